"""Reads for the widget: which inbox a public id names, a visitor's history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from javob.accounts.models import Availability, Membership, Team
from javob.connectors.webchat.models import Visitor
from javob.conversations.models import Attachment, Conversation, Direction, Inbox, Message
from javob.core.errors import NotFound

HISTORY_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Presence:
    """Whether the visitor of a web-chat conversation is on the page, or since when not."""

    online: bool
    away_since: dt.datetime | None


def presence_payload(
    conversation_id: int, online: bool, away_since: dt.datetime | None
) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "online": online,
        "away_since": away_since.isoformat() if away_since is not None else None,
    }


def conversation_presence(conversation_id: int) -> Presence | None:
    """The presence of the conversation's visitor (the latest seen, if several)."""
    row = (
        Visitor.objects.filter(conversation_id=conversation_id)
        .order_by("-online", F("last_seen_at").desc(nulls_last=True), "-id")
        .values("online", "away_since")
        .first()
    )
    return Presence(row["online"], row["away_since"]) if row is not None else None


TEAM_PRESENCE_SECONDS = 10


@dataclass(frozen=True, slots=True)
class TeamScope:
    """Whose availability a widget shows: the inbox's team, or its whole workspace."""

    workspace_id: int
    inbox_id: int
    team_id: int | None

    @classmethod
    def of(cls, inbox: Inbox) -> TeamScope:
        return cls(inbox.workspace_id, inbox.pk, inbox.team_id)


@dataclass(frozen=True, slots=True)
class TeamPresence:
    """What a widget shows of the team, and whose availability decides it (None: the team's)."""

    state: str  # "online" or "away"
    assignee_id: int | None


def agents_presence(team: TeamScope, conversation_id: int | None) -> str:
    return team_presence(team, conversation_id).state


def team_presence(team: TeamScope, conversation_id: int | None) -> TeamPresence:
    """What the widget shows of the team: "online" when the agent assigned to the visitor's
    conversation (before one is: any agent of the inbox's team, or of the workspace) has set
    themselves online, else "away". The team's state is cached for a few seconds: a thousand
    widgets connecting at once ask once."""
    if conversation_id is not None:
        assignee = (
            Conversation.objects.filter(pk=conversation_id, assignee__isnull=False)
            .values_list("assignee_id", "assignee__availability", "assignee__is_active")
            .first()
        )
        if assignee is not None:
            online = assignee[1:] == (Availability.ONLINE, True)
            return TeamPresence("online" if online else "away", assignee[0])
    key = team_cache_key(team.inbox_id)
    state: str | None = cache.get(key)
    if state is None:
        agents = Membership.objects.filter(
            workspace_id=team.workspace_id,
            is_active=True,
            availability=Availability.ONLINE,
        )
        if team.team_id is not None:
            agents = agents.filter(teams=team.team_id)
        state = "online" if agents.exists() else "away"
        cache.set(key, state, TEAM_PRESENCE_SECONDS)
    return TeamPresence(state, None)


def team_cache_key(inbox_id: int) -> str:
    return f"webchat-agents:{inbox_id}"


def inboxes_answered_by(membership_id: int) -> list[TeamScope]:
    """The active web-chat inboxes whose team state this agent counts in: those of their
    teams and those without a team, in their workspace."""
    member = Membership.objects.filter(pk=membership_id).values("workspace_id").first()
    if member is None:
        return []
    teams = Team.members.through.objects.filter(membership_id=membership_id).values("team_id")
    rows = (
        Inbox.objects.filter(workspace_id=member["workspace_id"], kind="webchat", is_active=True)
        .filter(Q(team__isnull=True) | Q(team_id__in=teams))
        .values_list("pk", "team_id")
    )
    return [TeamScope(member["workspace_id"], pk, team_id) for pk, team_id in rows]


def with_presence(query: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Annotate `visitor_online` and `visitor_away_since` (subqueries: no extra query per
    page); both empty for conversations that are not web chats."""
    visitors = Visitor.objects.filter(conversation=OuterRef("pk"))
    latest = visitors.order_by(F("last_seen_at").desc(nulls_last=True), "-id")
    return query.annotate(
        visitor_online=Exists(visitors.filter(online=True)),
        visitor_away_since=Subquery(latest.values("away_since")[:1]),
    )


def widget_inbox(public_id: str) -> Inbox:
    inbox = (
        Inbox.objects.filter(kind="webchat", is_active=True, settings__public_id=public_id)
        .order_by("pk")
        .first()
    )
    if inbox is None or not public_id:
        raise NotFound(_("No such chat."), field="inbox")
    return inbox


def history(visitor: Visitor, before_id: int | None = None) -> list[dict[str, Any]]:
    """The visitor's conversation, oldest first: their messages and the replies, no notes."""
    if visitor.conversation_id is None:
        return []
    query = (
        Message.objects.filter(
            conversation_id=visitor.conversation_id,
            direction__in=[Direction.INCOMING, Direction.OUTGOING],
        )
        .select_related("sender_agent__user")
        .prefetch_related("attachments")
        .order_by("-created_at", "-id")
    )
    if before_id is not None:
        query = query.filter(pk__lt=before_id)
    rows = list(query[:HISTORY_LIMIT])
    return [message_for_widget(m, visitor) for m in reversed(rows)]


def message_for_widget(message: Message, visitor: Visitor) -> dict[str, Any]:
    mine = message.direction == Direction.INCOMING
    external = message.external_id or ""
    agent = message.sender_agent
    return {
        "id": message.pk,
        "client_id": external.split(":", 1)[1] if mine and ":" in external else None,
        "mine": mine,
        "sender": message.sender_type,
        "agent": agent.name if agent is not None and not mine else "",
        # The widget loads <its API>/avatars/<key>; empty: it shows the initial.
        "avatar": agent.avatar_key if agent is not None and not mine else "",
        "text": message.text,
        "status": message.delivery_status,
        "read": message.read_at is not None,
        "attachments": [attachment_for_widget(a, visitor) for a in message.attachments.all()],
        "created_at": message.created_at.isoformat(),
    }


def attachment_for_widget(attachment: Attachment, visitor: Visitor) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.filename,
        "type": attachment.content_type,
        "size": attachment.size,
    }


def visitor_attachment(visitor: Visitor, attachment_id: int) -> Attachment:
    if visitor.conversation_id is None:
        raise NotFound(_("No such file."), field="attachment")
    attachment = (
        Attachment.objects.filter(
            pk=attachment_id,
            message__conversation_id=visitor.conversation_id,
            message__direction__in=[Direction.INCOMING, Direction.OUTGOING],
        )
        .select_related("message")
        .first()
    )
    if attachment is None:
        raise NotFound(_("No such file."), field="attachment")
    return attachment
