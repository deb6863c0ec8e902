"""Public comments on the business's posts, from the `feed` (Facebook Page) and `comments`
(Instagram) webhook fields.

Each commenter on each post gets their own conversation (thread key
`comment:<post id>:<author id>`), marked `public` in the message metadata, so the agent sees
that what they write may be public. Comments the business itself wrote are ignored, and a
comment removed by its author is unsent like a deleted message.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from javob.connectors.meta.messaging import Events, _dict, _inbound, event_time


def parse_feed(inbox_id: int, account_id: str, value: dict[str, Any], into: Events) -> None:
    """A Facebook Page `feed` change: only comments are conversations."""
    if value.get("item") != "comment":
        return
    author = _dict(value.get("from"))
    author_id = str(author.get("id") or "")
    comment_id = str(value.get("comment_id") or "")
    post_id = str(value.get("post_id") or "")
    if not author_id or not comment_id or author_id == account_id:
        return
    at = event_time(value.get("created_time"))
    if value.get("verb") == "remove":
        into.unsent.append((comment_id, at))
        return
    if value.get("verb") != "add":
        return  # edits and hides change nothing stored
    parent = str(value.get("parent_id") or "")
    metadata = _comment_metadata(comment_id, post_id, parent if parent != post_id else "")
    permalink = _dict(value.get("post")).get("permalink_url")
    if permalink:
        metadata["permalink"] = str(permalink)
    text = str(value.get("message") or "") or _("[Comment without text]")
    into.messages.append(
        _inbound(
            inbox_id,
            "messenger",
            author_id,
            comment_id,
            text,
            at,
            metadata,
            name=str(author.get("name") or ""),
            thread_key=f"comment:{post_id}:{author_id}",
        )
    )


def parse_instagram_comment(
    inbox_id: int, account_id: str, value: dict[str, Any], at_value: object, into: Events
) -> None:
    """An Instagram `comments` change: a comment (or a reply) on the business's media."""
    author = _dict(value.get("from"))
    author_id = str(author.get("id") or "")
    comment_id = str(value.get("id") or "")
    media_id = str(_dict(value.get("media")).get("id") or "")
    if not author_id or not comment_id or author_id == account_id:
        return
    metadata = _comment_metadata(comment_id, media_id, str(value.get("parent_id") or ""))
    product = _dict(value.get("media")).get("media_product_type")
    if product:
        metadata["media_product_type"] = product
    text = str(value.get("text") or "") or _("[Comment without text]")
    into.messages.append(
        _inbound(
            inbox_id,
            "instagram",
            author_id,
            comment_id,
            text,
            event_time(at_value),
            metadata,
            name=str(author.get("username") or ""),
            thread_key=f"comment:{media_id}:{author_id}",
        )
    )


def _comment_metadata(comment_id: str, post_id: str, parent_id: str) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "type": "comment",
        "public": True,
        "comment_id": comment_id,
        "post_id": post_id,
    }
    if parent_id:
        metadata["parent_id"] = parent_id
    return metadata
