"""Shapes of conversations, messages, the timeline and inboxes in the REST API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema

from javob.connectors.actions import webhook_url
from javob.conversations.models import Attachment, Conversation, Event, Inbox, Message
from javob.core.api_auth import Id, InputSchema

STATUSES = "open, pending, snoozed, resolved or closed"
PRIORITIES = "none, low, medium, high or urgent"


class ContactRef(Schema):
    id: int
    name: str


SENTIMENTS = "negative, neutral or positive"


class ConversationOut(Schema):
    """A conversation (ticket) without its messages."""

    id: int
    number: int = Field(description="Numbered per workspace, from 1.")
    status: str = Field(description=STATUSES)
    snoozed_until: dt.datetime | None
    priority: str = Field(description=PRIORITIES)
    subject: str
    inbox_id: int
    contact: ContactRef
    assignee_id: int | None
    team_id: int | None
    labels: list[str]
    language: str = Field(description='BCP 47 ("uz-Latn", "ru"); empty until detected.')
    sentiment: str = Field(description="negative, neutral, positive or empty: the customer's mood")
    sentiment_score: float | None = Field(description="-1 (negative) to 1 (positive).")
    merged_into_id: int | None
    split_from_id: int | None
    follows_id: int | None = Field(description="The earlier conversation this one continues.")
    last_activity_at: dt.datetime
    last_incoming_at: dt.datetime | None
    resolved_at: dt.datetime | None
    created_at: dt.datetime

    @classmethod
    def of(cls, c: Conversation) -> ConversationOut:
        """Needs `contact` selected and `labels` prefetched to stay at one query per list."""
        return cls(
            id=c.pk,
            number=c.number,
            status=c.status,
            snoozed_until=c.snoozed_until,
            priority=c.priority,
            subject=c.subject,
            inbox_id=c.inbox_id,
            contact=ContactRef(id=c.contact.pk, name=c.contact.name),
            assignee_id=c.assignee_id,
            team_id=c.team_id,
            labels=sorted(label.name for label in c.labels.all()),
            language=c.language,
            sentiment=c.sentiment,
            sentiment_score=c.sentiment_score,
            merged_into_id=c.merged_into_id,
            split_from_id=c.split_from_id,
            follows_id=c.follows_id,
            last_activity_at=c.last_activity_at,
            last_incoming_at=c.last_incoming_at,
            resolved_at=c.resolved_at,
            created_at=c.created_at,
        )


class ConversationPage(Schema):
    items: list[ConversationOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentOut:
        return cls(
            id=attachment.pk,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
            sha256=attachment.sha256,
        )


class MessageOut(Schema):
    """A message: incoming, outgoing (with its delivery status), a note or a system line."""

    id: int
    conversation_id: int
    direction: str = Field(description="incoming, outgoing, note or system")
    sender_type: str = Field(description="contact, agent, bot or system")
    sender_contact_id: int | None
    sender_agent_id: int | None
    text: str
    html: str = Field(description="Sanitised HTML, or empty.")
    external_id: str | None = Field(description="The provider's id of this message.")
    reply_to_id: int | None
    delivery_status: str = Field(description="queued, sent, delivered, read, failed or empty")
    failure_reason: str
    attachments: list[AttachmentOut]
    language: str = Field(description='Of a customer message: BCP 47, or "und".')
    sentiment: str = Field(description="Of a customer message: negative, neutral or positive.")
    sentiment_score: float | None
    intent: str = Field(description="The workspace intent it expresses, or empty.")
    intent_score: float | None
    pii_spans: list[dict[str, Any]] = Field(
        description="Personal data in `text`: [{start, end, kind}], to mask on display."
    )
    created_at: dt.datetime
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None
    read_at: dt.datetime | None

    @classmethod
    def of(cls, m: Message) -> MessageOut:
        return cls(
            id=m.pk,
            conversation_id=m.conversation_id,
            direction=m.direction,
            sender_type=m.sender_type,
            sender_contact_id=m.sender_contact_id,
            sender_agent_id=m.sender_agent_id,
            text=m.text,
            html=m.html,
            external_id=m.external_id,
            reply_to_id=m.reply_to_id,
            delivery_status=m.delivery_status,
            failure_reason=m.failure_reason,
            attachments=[AttachmentOut.of(a) for a in m.attachments.all()],
            language=m.language,
            sentiment=m.sentiment,
            sentiment_score=m.sentiment_score,
            intent=m.intent,
            intent_score=m.intent_score,
            pii_spans=list(m.pii_spans),
            created_at=m.created_at,
            sent_at=m.sent_at,
            delivered_at=m.delivered_at,
            read_at=m.read_at,
        )


class EventOut(Schema):
    """One row of the append-only timeline."""

    id: int
    kind: str
    actor_type: str
    actor_id: int | None
    message_id: int | None
    data: dict[str, Any]
    created_at: dt.datetime

    @classmethod
    def of(cls, event: Event) -> EventOut:
        return cls(
            id=event.pk,
            kind=event.kind,
            actor_type=event.actor_type,
            actor_id=event.actor_id,
            message_id=event.message_id,
            data=event.data,
            created_at=event.created_at,
        )


class ConversationDetailOut(ConversationOut):
    """A conversation with its timeline, each list oldest first."""

    messages: list[MessageOut]
    events: list[EventOut]


class ConversationQuery(InputSchema):
    status: str | None = Field(default=None, max_length=16, description=STATUSES)
    inbox_id: Id | None = None
    assignee_id: Id | None = None
    assignee: str | None = Field(
        default=None, max_length=8, description="`me` (assigned to me) or `none` (unassigned)"
    )
    team_id: Id | None = None
    label: str | None = Field(default=None, max_length=64)
    language: str | None = Field(
        default=None, max_length=16, description='"uz" matches both scripts; "uz-Cyrl" one.'
    )
    sentiment: str | None = Field(default=None, max_length=8, description=SENTIMENTS)
    priority: str | None = Field(default=None, max_length=16, description=PRIORITIES)
    q: str | None = Field(
        default=None, max_length=200, description="Text in the subject, contact name or messages"
    )
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=25, ge=1, le=100)


class ReplyIn(InputSchema):
    text: str = Field(default="", max_length=100_000)
    html: str = Field(default="", max_length=500_000, description="Sanitised before it is stored.")


class NoteIn(InputSchema):
    text: str = Field(max_length=100_000)


class AssignIn(InputSchema):
    """Give `assignee_id` and/or `team_id`; null clears, an absent field stays as it is."""

    assignee_id: Id | None = None
    team_id: Id | None = None


class StatusIn(InputSchema):
    status: str = Field(max_length=16, description="open, pending, resolved or closed")


class SnoozeIn(InputSchema):
    until: dt.datetime = Field(
        description="A future time with its zone, e.g. 2026-12-01T09:00+05:00"
    )


class PriorityIn(InputSchema):
    priority: str = Field(max_length=16, description=PRIORITIES)


class LabelsIn(InputSchema):
    names: list[str] = Field(
        max_length=100, description="The full new set; unknown names are created."
    )


class ConversationMergeIn(InputSchema):
    into: Id = Field(description="The conversation that survives; this one moves into it.")


class InboxOut(Schema):
    """A configured channel. Its secrets are never shown."""

    id: int
    kind: str
    name: str
    settings: dict[str, Any]
    languages: list[str]
    team_id: int | None
    reopen_grace_hours: int
    is_active: bool
    webhook_url: str = Field(description="Where the provider posts its webhooks.")
    created_at: dt.datetime

    @classmethod
    def of(cls, inbox: Inbox) -> InboxOut:
        return cls(
            id=inbox.pk,
            kind=inbox.kind,
            name=inbox.name,
            settings=inbox.settings,
            languages=list(inbox.languages),
            team_id=inbox.team_id,
            reopen_grace_hours=inbox.reopen_grace_hours,
            is_active=inbox.is_active,
            webhook_url=webhook_url(inbox),
            created_at=inbox.created_at,
        )


class InboxIn(InputSchema):
    """A new channel. Options the connector declares secret are stored encrypted."""

    kind: str = Field(max_length=16, description="email, webchat, telegram, whatsapp, ... or api")
    name: str = Field(max_length=200)
    options: dict[str, str] = Field(default_factory=dict)
    languages: list[str] = Field(default_factory=list, max_length=50)
