"""REST endpoints for conversations, their messages and timeline, and inboxes."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from javob.accounts.models import Membership
from javob.connectors.actions import check_add_inbox
from javob.conversations import actions, delivery
from javob.conversations.models import Conversation, Inbox, Priority, Sentiment
from javob.conversations.models import Status as ConvStatus
from javob.conversations.queries import (
    ConversationFilter,
    access_conversation,
    access_inbox,
    decode_cursor,
    filter_conversations,
    page,
    timeline,
)
from javob.conversations.schemas import (
    AssignIn,
    ConversationDetailOut,
    ConversationMergeIn,
    ConversationOut,
    ConversationPage,
    ConversationQuery,
    EventOut,
    InboxIn,
    InboxOut,
    LabelsIn,
    MessageOut,
    NoteIn,
    PriorityIn,
    ReplyIn,
    SnoozeIn,
    StatusIn,
)
from javob.core.api_auth import ERRORS, MAX_ID, Id, actor, field_names
from javob.core.errors import ActionError

router = Router(tags=["conversations"])

# access_conversation() reports a missing conversation as `id`; the path calls it this.
PATH_FIELDS = {"id": "conversation_id"}


def conversation_out(conversation: Conversation) -> ConversationOut:
    """Serialize a conversation an action returned (labels and contact read fresh)."""
    fresh = Conversation.objects.select_related("contact").prefetch_related("labels")
    return ConversationOut.of(fresh.get(pk=conversation.pk))


def check_filter(member: Membership, params: ConversationQuery) -> ConversationFilter:
    """Turn query parameters into a filter, refusing unknown values by name."""
    if params.status is not None and params.status not in ConvStatus.values:
        raise ActionError(_("Unknown status."), field="status")
    if params.priority is not None and params.priority not in Priority.values:
        raise ActionError(_("Unknown priority."), field="priority")
    if params.sentiment is not None and params.sentiment not in Sentiment.values:
        raise ActionError(_("Unknown sentiment."), field="sentiment")
    if params.assignee not in (None, "me", "none"):
        raise ActionError(_("Use assignee=me or assignee=none."), field="assignee")
    if params.assignee is not None and params.assignee_id is not None:
        raise ActionError(_("Give assignee or assignee_id, not both."), field="assignee")
    return ConversationFilter(
        status=params.status,
        inbox_id=params.inbox_id,
        assignee_id=member.pk if params.assignee == "me" else params.assignee_id,
        unassigned=params.assignee == "none",
        team_id=params.team_id,
        label=params.label,
        language=params.language,
        priority=params.priority,
        sentiment=params.sentiment,
        text=params.q.strip() if params.q and params.q.strip() else None,
    )


def check_cursor(cursor: str | None) -> str | None:
    # decode_cursor accepts any integer id; no cursor this API issues holds one out of range.
    if cursor and decode_cursor(cursor)[1] not in range(1, MAX_ID + 1):
        raise ActionError(_("Invalid cursor."), field="cursor")
    return cursor


@router.get(
    "/conversations",
    response={200: ConversationPage, **ERRORS},
    summary="List conversations, newest activity first",
    description="Filters combine with AND. Pages are keyset-paginated: pass `next_cursor` "
    "back as `cursor` until it is null.",
)
def list_conversations(request: HttpRequest, params: Query[ConversationQuery]) -> ConversationPage:
    member = actor(request)
    query = filter_conversations(member, check_filter(member, params))
    query = query.select_related("contact").prefetch_related("labels")
    rows, next_cursor = page(query, check_cursor(params.cursor), params.limit)
    return ConversationPage(items=[ConversationOut.of(c) for c in rows], next_cursor=next_cursor)


@router.get(
    "/conversations/{conversation_id}",
    response={200: ConversationDetailOut, **ERRORS},
    summary="A conversation with its timeline",
    description="Messages (with attachment metadata) and timeline events, each oldest first.",
)
def get_conversation(request: HttpRequest, conversation_id: Id) -> ConversationDetailOut:
    with field_names(PATH_FIELDS):
        conversation = access_conversation(actor(request), conversation_id)
    messages, events = timeline(conversation)
    return ConversationDetailOut(
        **conversation_out(conversation).model_dump(),
        messages=[MessageOut.of(m) for m in messages],
        events=[EventOut.of(e) for e in events],
    )


@router.post(
    "/conversations/{conversation_id}/reply",
    response={201: MessageOut, **ERRORS},
    summary="Reply to the customer",
    description="The reply is stored as `queued` and delivered in the background.",
)
def reply(request: HttpRequest, conversation_id: Id, data: ReplyIn) -> Status[MessageOut]:
    with field_names(PATH_FIELDS):
        message = actions.check_send_reply(
            actor(request), conversation_id, data.text, html=data.html
        )
    return Status(201, MessageOut.of(message))


@router.post(
    "/conversations/{conversation_id}/notes",
    response={201: MessageOut, **ERRORS},
    summary="Add an internal note",
)
def add_note(request: HttpRequest, conversation_id: Id, data: NoteIn) -> Status[MessageOut]:
    with field_names(PATH_FIELDS):
        note = actions.check_add_note(actor(request), conversation_id, data.text)
    return Status(201, MessageOut.of(note))


@router.post(
    "/conversations/{conversation_id}/assign",
    response={200: ConversationOut, **ERRORS},
    summary="Assign an agent and/or a team",
)
def assign(request: HttpRequest, conversation_id: Id, data: AssignIn) -> ConversationOut:
    given = data.model_fields_set
    with field_names(PATH_FIELDS):
        conversation = actions.check_assign(
            actor(request),
            conversation_id,
            assignee_id=data.assignee_id if "assignee_id" in given else actions.UNSET,
            team_id=data.team_id if "team_id" in given else actions.UNSET,
        )
    return conversation_out(conversation)


@router.post(
    "/conversations/{conversation_id}/status",
    response={200: ConversationOut, **ERRORS},
    summary="Change the status",
    description="open, pending, resolved or closed; to snooze, use the snooze endpoint.",
)
def change_status(request: HttpRequest, conversation_id: Id, data: StatusIn) -> ConversationOut:
    with field_names(PATH_FIELDS):
        conversation = actions.check_change_status(actor(request), conversation_id, data.status)
    return conversation_out(conversation)


@router.post(
    "/conversations/{conversation_id}/snooze",
    response={200: ConversationOut, **ERRORS},
    summary="Snooze until a time",
)
def snooze(request: HttpRequest, conversation_id: Id, data: SnoozeIn) -> ConversationOut:
    with field_names(PATH_FIELDS):
        conversation = actions.check_snooze(actor(request), conversation_id, data.until)
    return conversation_out(conversation)


@router.post(
    "/conversations/{conversation_id}/priority",
    response={200: ConversationOut, **ERRORS},
    summary="Set the priority",
)
def set_priority(request: HttpRequest, conversation_id: Id, data: PriorityIn) -> ConversationOut:
    with field_names(PATH_FIELDS):
        conversation = actions.check_set_priority(actor(request), conversation_id, data.priority)
    return conversation_out(conversation)


@router.put(
    "/conversations/{conversation_id}/labels",
    response={200: ConversationOut, **ERRORS},
    summary="Replace the labels",
)
def set_labels(request: HttpRequest, conversation_id: Id, data: LabelsIn) -> ConversationOut:
    with field_names({**PATH_FIELDS, "labels": "names"}):
        conversation = actions.check_set_labels(actor(request), conversation_id, data.names)
    return conversation_out(conversation)


@router.post(
    "/conversations/{conversation_id}/merge",
    response={200: ConversationOut, **ERRORS},
    summary="Merge this conversation into another",
    description="Messages and events of this conversation move to `into`, which is "
    "returned; this one is closed and points to it.",
)
def merge(request: HttpRequest, conversation_id: Id, data: ConversationMergeIn) -> ConversationOut:
    with field_names({"source_id": "conversation_id", "target_id": "into"}):
        target = actions.check_merge_conversations(actor(request), conversation_id, data.into)
    return conversation_out(target)


@router.post(
    "/messages/{message_id}/split",
    response={201: ConversationOut, **ERRORS},
    summary="Split a conversation from this message on",
    description="The message and every later one move to a new conversation, which is returned.",
)
def split(request: HttpRequest, message_id: Id) -> Status[ConversationOut]:
    new = actions.check_split_conversation(actor(request), message_id)
    return Status(201, conversation_out(new))


@router.post(
    "/messages/{message_id}/retry",
    response={200: MessageOut, **ERRORS},
    summary="Send a failed message again",
)
def retry(request: HttpRequest, message_id: Id) -> MessageOut:
    message = delivery.check_retry(actor(request), message_id)
    return MessageOut.of(message)


@router.get(
    "/inboxes",
    response={200: list[InboxOut], **ERRORS},
    summary="List the inboxes",
    tags=["inboxes"],
)
def list_inboxes(request: HttpRequest) -> list[InboxOut]:
    inboxes = Inbox.objects.filter(workspace_id=actor(request).workspace_id).defer("secrets")
    return [InboxOut.of(inbox) for inbox in inboxes.order_by("id")]


@router.get(
    "/inboxes/{inbox_id}", response={200: InboxOut, **ERRORS}, summary="One inbox", tags=["inboxes"]
)
def get_inbox(request: HttpRequest, inbox_id: Id) -> InboxOut:
    return InboxOut.of(access_inbox(actor(request), inbox_id))


@router.post(
    "/inboxes",
    response={201: InboxOut, **ERRORS},
    summary="Add an inbox (owners and admins)",
    tags=["inboxes"],
)
def add_inbox(request: HttpRequest, data: InboxIn) -> Status[InboxOut]:
    inbox = check_add_inbox(actor(request), data.kind, data.name, data.options, data.languages)
    return Status(201, InboxOut.of(inbox))
