"""Account Activity webhook bodies -> InboundMessage values.

One body is `{"for_user_id": <the account>, <event list>: [...], "users": {...}, "apps": {...}}`.
Direct messages (`direct_message_events`, type `message_create`) become conversations with the
other person (thread key: their user id), a photo, video or GIF as a `metadata.media`
placeholder that tasks.fetch_media downloads; the ones the account itself sent (our own replies,
or answers written in X's app) are echoes and ignored. Posts (`tweet_create_events`) that
mention the account become public conversations, one per author, marked like Meta's comments
(`thread_key` "comment:x:<author id>", `metadata.public`), so the reply box knows a reply may
be public; the account's own posts and retweets are ignored. A read receipt
(`direct_message_mark_read_events`) from the other person becomes a ReadMark: the connector
turns it into "read" reports for our direct messages up to `last_read_event_id`. Every other
event list (likes, follows, typing, deletes, revokes) is acknowledged and kept as Ignored.

A message is known by its DM event id or post id (both X snowflakes, unique on X).
"""

from __future__ import annotations

import datetime as dt
import email.utils
from dataclasses import dataclass
from typing import Any

from javob.connectors.base import Ignored, Parsed
from javob.connectors.x import capabilities
from javob.core.types import Identity, InboundMessage

PUBLIC_THREAD = "comment:x:"
KNOWN = ("direct_message_events", "tweet_create_events", "direct_message_mark_read_events")


@dataclass(frozen=True)
class ReadMark:
    """The customer `customer` read the direct messages with the account up to the DM event
    `last_read_event_id` (X's event ids grow with time)."""

    customer: str
    last_read_event_id: int
    at: dt.datetime | None


Item = Parsed | ReadMark


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def parse_body(inbox_id: int, data: dict[str, Any], allowed: tuple[str, ...]) -> list[Item]:
    account = str(data.get("for_user_id") or "")
    if not account:
        raise ValueError("an Account Activity body names its account in for_user_id")
    users = _dict(data.get("users"))
    out: list[Item] = []
    for event in _list(data.get("direct_message_events")):
        if capabilities.DMS not in allowed:
            out.append(Ignored("direct message: not received by this inbox"))
        else:
            out.append(direct_message(inbox_id, account, event, users))
    for tweet in _list(data.get("tweet_create_events")):
        if capabilities.MENTIONS not in allowed:
            out.append(Ignored("mention: not received by this inbox"))
        else:
            out.append(mention(inbox_id, account, tweet))
    for read in _list(data.get("direct_message_mark_read_events")):
        if capabilities.DMS not in allowed:
            out.append(Ignored("read receipt: direct messages not received by this inbox"))
        else:
            out.append(read_mark(account, read))
    others = sorted(key for key in data if key.endswith("_events") and key not in KNOWN)
    others += ["user_event"] if "user_event" in data else []
    out += [Ignored(f"{key} not handled") for key in others]
    if not out:
        keys = ", ".join(sorted(data))[:120]
        out.append(Ignored(f"unknown body: {keys}"))
    return out


def direct_message(
    inbox_id: int, account: str, event: dict[str, Any], users: dict[str, Any]
) -> Parsed:
    if event.get("type") != "message_create":
        return Ignored(f"direct message event {str(event.get('type'))[:40]} not handled")
    create = _dict(event.get("message_create"))
    sender = str(create.get("sender_id") or "")
    recipient = str(_dict(create.get("target")).get("recipient_id") or "")
    event_id = str(event.get("id") or "")
    if not sender or not event_id:
        raise ValueError("a message_create event has an id and a sender_id")
    if sender == account:
        return Ignored("echo of a direct message the account sent")
    if recipient and recipient != account:
        return Ignored("direct message between other accounts")
    data = _dict(create.get("message_data"))
    text = str(data.get("text") or "")
    metadata: dict[str, Any] = {"x": {"type": "dm", "sender_id": sender}}
    attachment = _dict(data.get("attachment"))
    media = _dict(attachment.get("media"))
    if media:
        short = str(media.get("url") or "")
        if short and text.endswith(short):
            text = text[: -len(short)].rstrip()  # X appends the media's t.co link
        metadata["media"] = [placeholder(media)]
    quick = _dict(data.get("quick_reply_response"))
    if quick.get("metadata"):
        metadata["x"]["quick_reply"] = str(quick["metadata"])
    user = _dict(users.get(sender))
    if user.get("screen_name"):
        metadata["x"]["screen_name"] = str(user["screen_name"])
    return InboundMessage(
        inbox_id=inbox_id,
        sender=Identity("x", sender),
        external_id=event_id,
        text=text,
        sender_name=str(user.get("name") or user.get("screen_name") or ""),
        thread_key=sender,
        sent_at=_millis(event.get("created_timestamp")),
        metadata=metadata,
    )


def read_mark(account: str, event: dict[str, Any]) -> ReadMark | Ignored:
    reader = str(event.get("sender_id") or "")
    last = str(event.get("last_read_event_id") or "")
    if not reader or not last.isdigit():
        raise ValueError("a read receipt has a sender_id and a numeric last_read_event_id")
    if reader == account:
        return Ignored("the account read a direct message conversation")
    recipient = str(_dict(event.get("target")).get("recipient_id") or "")
    if recipient and recipient != account:
        return Ignored("read receipt between other accounts")
    return ReadMark(reader, int(last), _millis(event.get("created_timestamp")))


def placeholder(media: dict[str, Any]) -> dict[str, Any]:
    """The `metadata.media` entry a download task fills in (see conversations.edits): a photo
    is its `media_url_https`; a video or GIF its best MP4 variant."""
    kind = str(media.get("type") or "photo")
    url = str(media.get("media_url_https") or media.get("media_url") or "")
    content_type = "image/jpeg" if url.lower().endswith((".jpg", ".jpeg")) else "image/png"
    variants = [
        item
        for item in _list(_dict(media.get("video_info")).get("variants"))
        if item.get("content_type") == "video/mp4" and item.get("url")
    ]
    if kind in ("video", "animated_gif") and variants:
        best = max(variants, key=lambda item: int(item.get("bitrate") or 0))
        url, content_type = str(best["url"]), "video/mp4"
    key = str(media.get("id_str") or media.get("id") or "")
    extension = ".mp4" if content_type == "video/mp4" else ".jpg"
    if content_type == "image/png":
        extension = ".png"
    return {
        "key": key,
        "kind": kind,
        "url": url,
        "filename": f"{kind}_{key}{extension}",
        "content_type": content_type,
        "status": "pending",
        "attempts": 0,
    }


def mention(inbox_id: int, account: str, tweet: dict[str, Any]) -> Parsed:
    author = _dict(tweet.get("user"))
    author_id = str(author.get("id_str") or author.get("id") or "")
    tweet_id = str(tweet.get("id_str") or tweet.get("id") or "")
    if not author_id or not tweet_id:
        raise ValueError("a post has an id_str and a user")
    if author_id == account:
        return Ignored("the account's own post")
    if "retweeted_status" in tweet:
        return Ignored("retweet")
    if not _mentions(tweet, account):
        return Ignored("post that does not mention the account")
    text = _full_text(tweet)
    metadata: dict[str, Any] = {
        "type": "comment",
        "public": True,
        "comment_id": tweet_id,
        "x": {
            "type": "mention",
            "screen_name": str(author.get("screen_name") or ""),
            "permalink": f"https://x.com/{author.get('screen_name') or 'i'}/status/{tweet_id}",
        },
    }
    replied = str(tweet.get("in_reply_to_status_id_str") or "")
    if replied:
        metadata["x"]["in_reply_to"] = replied
    return InboundMessage(
        inbox_id=inbox_id,
        sender=Identity("x", author_id),
        external_id=tweet_id,
        text=text,
        sender_name=str(author.get("name") or author.get("screen_name") or ""),
        thread_key=f"{PUBLIC_THREAD}{author_id}",
        reply_to_external_ids=(replied,) if replied else (),
        contact_locale=_lang(tweet),
        sent_at=_tweet_time(tweet),
        metadata=metadata,
    )


def _mentions(tweet: dict[str, Any], account: str) -> bool:
    if str(tweet.get("in_reply_to_user_id_str") or "") == account:
        return True
    for source in (tweet, _dict(tweet.get("extended_tweet"))):
        for item in _list(_dict(source.get("entities")).get("user_mentions")):
            if str(item.get("id_str") or item.get("id") or "") == account:
                return True
    return False


def _full_text(tweet: dict[str, Any]) -> str:
    extended = _dict(tweet.get("extended_tweet"))
    if tweet.get("truncated") and extended.get("full_text"):
        return str(extended["full_text"])
    return str(tweet.get("full_text") or tweet.get("text") or "")


def _lang(tweet: dict[str, Any]) -> str:
    lang = str(tweet.get("lang") or "")
    return lang if lang.isalpha() and len(lang) <= 3 and lang != "und" else ""


def _millis(value: object) -> dt.datetime | None:
    if isinstance(value, int | str) and str(value).isdigit():
        return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)
    return None


def _tweet_time(tweet: dict[str, Any]) -> dt.datetime | None:
    at = _millis(tweet.get("timestamp_ms"))
    if at is not None:
        return at
    try:
        return email.utils.parsedate_to_datetime(str(tweet.get("created_at") or ""))
    except (TypeError, ValueError):
        return None
