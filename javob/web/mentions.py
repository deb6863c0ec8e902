"""Mentions: an internal note that names an agent with `@handle` puts the conversation in that
agent's "Mentions" view and tells their open tabs at once.

The rule: `@` at the start of the text or after a character that is not a letter, digit or `_`
(so `alice@example.com` is not a mention), followed by the handle — letters, digits and
`_ . + -` (a trailing `.` or `-` is punctuation, not part of it). An active agent of the
workspace answers to two handles, both compared case-insensitively:

- the part of their email before `@` (`alice@example.com` is `@alice`);
- their display name without spaces (`Aziza Karimova` is `@AzizaKarimova`).

A handle nobody answers to stays plain text. Every agent a handle matches is mentioned; the
author is never mentioned by their own note; an agent who may not see the conversation is not
recorded nor told (their Mentions view would otherwise leak that it exists).
"""

from __future__ import annotations

import re

from javob.accounts.models import Membership
from javob.accounts.queries import agents
from javob.conversations.models import Conversation, Message
from javob.conversations.queries import viewer_ids
from javob.realtime.publish import publish
from javob.web.models import Mention

HANDLE = re.compile(r"(?<![\w])@([\w.+-]+)")


def handles(text: str) -> set[str]:
    """The handles written in `text`, lower-cased."""
    return {m.group(1).rstrip(".-").casefold() for m in HANDLE.finditer(text)} - {""}


def agent_handles(member: Membership) -> set[str]:
    """The handles `member` answers to, lower-cased."""
    names = {member.user.email.partition("@")[0].casefold()}
    if member.display_name:
        names.add("".join(member.display_name.split()).casefold())
    return names - {""}


def mentioned(workspace_id: int, text: str) -> list[Membership]:
    """The active agents of the workspace that `text` names, by id."""
    written = handles(text)
    if not written:
        return []
    return [m for m in agents(workspace_id) if agent_handles(m) & written]


def do_record_mentions(author: Membership, note: Message) -> list[Mention]:
    """Record the mentions of an internal note and send each mentioned agent a `mention`
    event (after commit). Call it in the note's transaction."""
    conversation: Conversation = note.conversation
    candidates = [m for m in mentioned(conversation.workspace_id, note.text) if m.pk != author.pk]
    if not candidates:
        return []
    allowed = set(viewer_ids(conversation))
    recorded = [
        Mention(
            membership=m,
            conversation=conversation,
            message=note,
            author=author,
            created_at=note.created_at,
        )
        for m in candidates
        if m.pk in allowed
    ]
    Mention.objects.bulk_create(recorded, ignore_conflicts=True)
    if recorded:
        payload = {
            "conversation": {"id": conversation.pk, "number": conversation.number},
            "message": {"id": note.pk},
            "author": {"id": author.pk, "name": author.name},
        }
        publish([m.membership_id for m in recorded], "mention", payload)
    return recorded
