"""Reads of conversations and messages, and the `access_*` helpers that authorize them.

Visibility: owners, admins and supervisors see every conversation of their workspace; an
agent sees those without a team, those of their teams and those assigned to them.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from javob.accounts.models import Membership, Role
from javob.conversations.models import Conversation, Direction, Event, Inbox, Message
from javob.core.errors import ActionError, NotFound


def visibility(member: Membership) -> Q:
    if member.sees_everything:
        return Q()
    # The agent's team ids are read once here, so the conversation query needs no join and
    # can walk its (workspace, team, status, activity) index.
    teams = list(member.teams.values_list("pk", flat=True))
    return Q(team__isnull=True) | Q(team_id__in=teams) | Q(assignee=member)


def visible_conversations(member: Membership) -> QuerySet[Conversation]:
    return Conversation.objects.filter(workspace_id=member.workspace_id).filter(visibility(member))


def access_conversation(
    member: Membership, conversation_id: int, *, lock: bool = False, field: str = "id"
) -> Conversation:
    """The conversation if `member` may see it; NotFound otherwise (never a hint it exists)."""
    query = visible_conversations(member).filter(pk=conversation_id)
    if lock:
        query = query.select_for_update()
    conversation = query.first()
    if conversation is None:
        raise NotFound(_("No such conversation."), field=field)
    return conversation


def access_message(member: Membership, message_id: int, field: str = "message_id") -> Message:
    message = (
        Message.objects.filter(workspace_id=member.workspace_id, pk=message_id)
        .select_related("conversation")
        .first()
    )
    if message is None or not can_see(member, message.conversation):
        raise NotFound(_("No such message."), field=field)
    return message


def access_inbox(member: Membership, inbox_id: int, field: str = "inbox_id") -> Inbox:
    inbox = Inbox.objects.filter(workspace_id=member.workspace_id, pk=inbox_id).first()
    if inbox is None:
        raise NotFound(_("No such inbox."), field=field)
    return inbox


def can_see(member: Membership, conversation: Conversation) -> bool:
    if member.workspace_id != conversation.workspace_id:
        return False
    if member.sees_everything or conversation.team_id is None:
        return True
    if conversation.assignee_id == member.pk:
        return True
    return member.teams.filter(pk=conversation.team_id).exists()


def viewer_ids(conversation: Conversation) -> list[int]:
    """Every active agent allowed to see `conversation`: the recipients of its events."""
    members = Membership.objects.filter(workspace_id=conversation.workspace_id, is_active=True)
    if conversation.team_id is not None:
        members = members.filter(
            Q(role__in=[Role.OWNER, Role.ADMIN, Role.SUPERVISOR])
            | Q(teams=conversation.team_id)
            | Q(pk=conversation.assignee_id)
        )
    return sorted(set(members.values_list("pk", flat=True)))


def timeline(conversation: Conversation) -> tuple[list[Message], list[Event]]:
    messages = list(
        conversation.messages.select_related("sender_agent__user", "sender_contact")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    events = list(conversation.events.select_related("actor__user").order_by("created_at", "id"))
    return messages, events


@dataclass(frozen=True, slots=True)
class ConversationFilter:
    status: str | None = None
    inbox_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    team_id: int | None = None
    label: str | None = None
    language: str | None = None
    priority: str | None = None
    sentiment: str | None = None
    text: str | None = None


def filter_conversations(member: Membership, flt: ConversationFilter) -> QuerySet[Conversation]:
    query = visible_conversations(member)
    exact = {
        "status": flt.status,
        "inbox_id": flt.inbox_id,
        "assignee_id": flt.assignee_id,
        "team_id": flt.team_id,
        "priority": flt.priority,
        "sentiment": flt.sentiment,
    }
    query = query.filter(**{key: value for key, value in exact.items() if value is not None})
    if flt.language:
        # "uz" finds Uzbek in either script; "uz-Cyrl" only the Cyrillic.
        query = query.filter(Q(language=flt.language) | Q(language__startswith=f"{flt.language}-"))
    if flt.unassigned:
        query = query.filter(assignee__isnull=True)
    if flt.label:
        query = query.filter(labels__name=flt.label)
    if flt.text:
        query = query.filter(_text_match(member.workspace_id, flt.text))
    return query


def _text_match(workspace_id: int, text: str) -> Q:
    in_messages = Message.objects.filter(workspace_id=workspace_id, text__icontains=text)
    return (
        Q(subject__icontains=text)
        | Q(contact__name__icontains=text)
        | Q(pk__in=in_messages.values("conversation_id"))
    )


# Keyset pagination over (last_activity_at, id), newest first.


def encode_cursor(conversation: Conversation) -> str:
    raw = f"{conversation.last_activity_at.isoformat()}|{conversation.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _sep, pk = raw.partition("|")
        when = dt.datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            raise ValueError(stamp)
        return when, int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ActionError(_("Invalid cursor."), field="cursor") from exc


def page(
    query: QuerySet[Conversation], cursor: str | None, limit: int
) -> tuple[list[Conversation], str | None]:
    """One page of `query`, newest activity first, and the cursor of the next page."""
    if cursor:
        when, pk = decode_cursor(cursor)
        query = query.filter(Q(last_activity_at__lt=when) | Q(last_activity_at=when, pk__lt=pk))
    rows = list(query.order_by("-last_activity_at", "-id")[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def replied_external_id(message: Message) -> str:
    """The provider id of the customer's message a public reply answers (a Meta comment, an X
    post): the one it replies to, else the customer's latest in the conversation; "" if none."""
    replied = message.reply_to
    if replied is not None and replied.direction == Direction.INCOMING and replied.external_id:
        return replied.external_id
    latest = (
        Message.objects.filter(
            conversation_id=message.conversation_id, direction=Direction.INCOMING
        )
        .exclude(external_id=None)
        .order_by("-created_at", "-id")
        .values_list("external_id", flat=True)
        .first()
    )
    return latest or ""
