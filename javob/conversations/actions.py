"""Every write to conversations and messages.

Naming follows the map: `check_*` validates input and authorizes the acting agent, then calls
`do_*`, which writes, appends timeline events and schedules side effects after commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Q, When
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.accounts.models import Membership, Workspace
from javob.accounts.queries import access_agent, access_team
from javob.connectors.base import OutgoingFile
from javob.connectors.registry import connector_for, has_connector
from javob.contacts.actions import resolve_contact
from javob.contacts.models import Contact
from javob.conversations import events
from javob.conversations.models import (
    ACTIVE_STATUSES,
    Attachment,
    Conversation,
    Delivery,
    Direction,
    EventKind,
    Inbox,
    Label,
    Message,
    Priority,
    SenderType,
    Status,
)
from javob.conversations.queries import access_conversation, access_message, viewer_ids
from javob.conversations.sanitize import sanitize_html
from javob.conversations.tasks import after_receive, deliver_message
from javob.core.errors import ActionError, Conflict, NotFound
from javob.core.tasks import enqueue_on_commit
from javob.core.types import InboundAttachment, InboundMessage
from javob.realtime.publish import publish

logger = logging.getLogger(__name__)

RECEIVE_ATTEMPTS = 5
MAX_TEXT = 100_000


@dataclass(frozen=True, slots=True)
class Received:
    message: Message
    created: bool


def receive_message(inbound: InboundMessage) -> Received:
    """Store one customer message: contact, threading, message and events in one transaction.

    Idempotent on (inbox, provider id): the same provider id delivered twice, also at the
    same moment by two processes, stores one message; the second call returns the first.
    The unique constraint decides, so the common case (a new message) costs no extra read.
    """
    for attempt in range(RECEIVE_ATTEMPTS):
        try:
            with transaction.atomic():
                return Received(_do_receive(inbound), created=True)
        except IntegrityError:
            # This message (or this new contact) was stored by another process first; what
            # it committed is visible now.
            existing = _existing_message(inbound)
            if existing is not None:
                return Received(existing, created=False)
            logger.info("receive_message conflict on attempt %d, retrying", attempt + 1)
    raise Conflict(_("Could not store the message; try again."))


def _existing_message(inbound: InboundMessage) -> Message | None:
    if not inbound.external_id:
        return None
    # Provider ids of customer messages and of our replies are separate namespaces.
    return Message.objects.filter(
        inbox_id=inbound.inbox_id, direction=Direction.INCOMING, external_id=inbound.external_id
    ).first()


def _do_receive(inbound: InboundMessage) -> Message:
    inbox = Inbox.objects.defer("secrets", "settings").filter(pk=inbound.inbox_id).first()
    if inbox is None:
        raise NotFound(_("No such inbox."), field="inbox_id")
    contact, is_new = resolve_contact(inbox.workspace_id, inbound)
    now = timezone.now()
    if is_new and inbound.conversation_id is None:
        conversation = _new_conversation(inbox, contact, inbound, now, follows=None)
    else:
        conversation = _thread(inbox, contact, inbound, now)
    message = Message.objects.create(
        workspace_id=inbox.workspace_id,
        conversation=conversation,
        inbox=inbox,
        direction=Direction.INCOMING,
        sender_type=SenderType.CONTACT,
        sender_contact=contact,
        text=inbound.text[:MAX_TEXT],
        html=sanitize_html(inbound.html) if inbound.html else "",
        external_id=inbound.external_id,
        reply_to=_replied_message(inbox, inbound),
        references=list(inbound.reply_to_external_ids),
        metadata=inbound.metadata,
        created_at=now,
    )
    _store_attachments(message, inbound.attachments)
    _touch(conversation, now, incoming=True)
    events.append(
        conversation, EventKind.MESSAGE_IN, actor_type=SenderType.CONTACT, message=message, at=now
    )
    events.announce(conversation, "message.created", {"message": events.message_payload(message)})
    enqueue_on_commit(after_receive, message.pk)
    return message


def _replied_message(inbox: Inbox, inbound: InboundMessage) -> Message | None:
    if not inbound.reply_to_external_ids:
        return None
    return (
        Message.objects.filter(inbox=inbox, external_id__in=inbound.reply_to_external_ids)
        .order_by("-id")
        .first()
    )


def _thread(
    inbox: Inbox, contact: Contact, inbound: InboundMessage, now: dt.datetime
) -> Conversation:
    """The conversation this message belongs to, reopened or newly created as the rules say.

    1. A reply to a message of this contact in this inbox goes to that message's conversation.
    2. Else the active conversation of this contact, inbox and thread key.
    3. Else the last resolved one reopens if it was resolved within the inbox's grace period;
       otherwise (or when it was closed) a new conversation starts, linked to the old one.
    """
    referenced = _chosen_conversation(inbox, inbound) or _referenced_conversation(
        inbox, contact, inbound
    )
    latest: Conversation | None
    if referenced is not None:
        latest = referenced
    else:
        # One query: the contact's active conversation of this thread if there is one, else
        # the most recent one of any status.
        latest = (
            Conversation.objects.filter(
                contact=contact,
                inbox=inbox,
                thread_key=inbound.thread_key,
                merged_into__isnull=True,
            )
            .annotate(active=Case(When(status__in=ACTIVE_STATUSES, then=1), default=0))
            .order_by("-active", "-last_activity_at", "-id")
            .first()
        )
    if latest is not None and latest.is_active:
        if latest.status != Status.OPEN:
            _set_status(latest, Status.OPEN, actor=None, at=now, reason="customer_replied")
        return latest
    grace = dt.timedelta(hours=inbox.reopen_grace_hours)
    if (
        latest is not None
        and latest.status == Status.RESOLVED
        and latest.resolved_at is not None
        and now - latest.resolved_at <= grace
    ):
        _set_status(latest, Status.OPEN, actor=None, at=now, reason="customer_replied")
        events.append(latest, EventKind.REOPENED, actor_type=SenderType.CONTACT, at=now)
        return latest
    return _new_conversation(inbox, contact, inbound, now, follows=latest)


def _chosen_conversation(inbox: Inbox, inbound: InboundMessage) -> Conversation | None:
    if inbound.conversation_id is None:
        return None
    # The connector chose it, possibly in another inbox of the workspace: a web chat
    # continues by email, its visitor's emailed answer arriving through the email inbox.
    chosen = Conversation.objects.filter(
        pk=inbound.conversation_id, workspace_id=inbox.workspace_id
    ).first()
    return _survivor(chosen) if chosen is not None else None


def _referenced_conversation(
    inbox: Inbox, contact: Contact, inbound: InboundMessage
) -> Conversation | None:
    if not inbound.reply_to_external_ids:
        return None
    # The contact must be part of that conversation: its owner, or (after a merge) the
    # sender of one of its messages. A reference alone never crosses customers.
    takes_part = Q(conversation__contact=contact) | Q(
        conversation__in=Message.objects.filter(sender_contact=contact).values("conversation_id")
    )
    message = (
        Message.objects.filter(inbox=inbox, external_id__in=inbound.reply_to_external_ids)
        .filter(takes_part)
        .select_related("conversation")
        .order_by("-id")
        .first()
    )
    if message is None:
        return None
    return _survivor(message.conversation)


def _survivor(conversation: Conversation) -> Conversation:
    seen = {conversation.pk}
    while conversation.merged_into_id is not None and conversation.merged_into_id not in seen:
        seen.add(conversation.merged_into_id)
        conversation = Conversation.objects.get(pk=conversation.merged_into_id)
    return conversation


def next_number(workspace_id: int) -> int:
    """The workspace's next conversation number, in one statement that also locks the row."""
    table = connection.ops.quote_name(Workspace._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET conversation_seq = conversation_seq + 1 "  # noqa: S608
            "WHERE id = %s RETURNING conversation_seq",
            [workspace_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound(_("No such workspace."), field="workspace_id")
    return int(row[0])


def _new_conversation(
    inbox: Inbox,
    contact: Contact,
    inbound: InboundMessage,
    now: dt.datetime,
    follows: Conversation | None,
) -> Conversation:
    conversation = Conversation.objects.create(
        workspace_id=inbox.workspace_id,
        number=next_number(inbox.workspace_id),
        inbox=inbox,
        contact=contact,
        subject=inbound.subject[:500],
        thread_key=inbound.thread_key,
        team=inbox.team,
        follows=follows,
        last_activity_at=now,
    )
    data = {"follows": follows.number} if follows else {}
    events.append(conversation, EventKind.CREATED, actor_type=SenderType.CONTACT, data=data, at=now)
    return conversation


def _store_attachments(message: Message, attachments: tuple[InboundAttachment, ...]) -> None:
    for item in attachments:
        store_attachment(message, item.filename, item.content_type, item.content)


def store_attachment(message: Message, filename: str, content_type: str, content: bytes) -> None:
    safe_name = _safe_filename(filename)
    attachment = Attachment(
        workspace_id=message.workspace_id,
        message=message,
        filename=safe_name,
        content_type=content_type[:255] or "application/octet-stream",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    attachment.file.save(safe_name, ContentFile(content), save=False)
    attachment.save()


def _safe_filename(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return cleaned[:200] or "attachment"


def _touch(conversation: Conversation, now: dt.datetime, *, incoming: bool = False) -> None:
    conversation.last_activity_at = now
    fields = ["last_activity_at"]
    if incoming:
        conversation.last_incoming_at = now
        fields.append("last_incoming_at")
    conversation.save(update_fields=fields)


# Agent writes. Each takes the acting agent and ids, authorizes, then writes.


def check_send_reply(
    actor: Membership,
    conversation_id: int,
    text: str,
    *,
    html: str = "",
    files: Sequence[OutgoingFile] = (),
) -> Message:
    """Queue a reply to the customer; a task delivers it after commit. `files` describes the
    attachments the caller stores with it, so the channel can refuse them first; a reply
    with files may have no text."""
    text = _require_text(text, html, has_files=bool(files))
    with transaction.atomic():
        conversation = access_conversation(actor, conversation_id, lock=True)
        _refuse_merged(conversation)
        if has_connector(conversation.inbox.kind):
            connector = connector_for(conversation.inbox)
            connector.check_reply(conversation)
            connector.check_reply_text(conversation, text)
            connector.check_reply_files(conversation, files)
        return do_send_reply(conversation, text, html=html, actor=actor)


def do_send_reply(
    conversation: Conversation,
    text: str,
    *,
    html: str = "",
    actor: Membership | None = None,
    sender_type: str = SenderType.AGENT,
    reply_to: Message | None = None,
    metadata: dict[str, Any] | None = None,
) -> Message:
    """Queue a reply; `metadata` marks, say, an automatic one (mail then says Auto-Submitted)."""
    now = timezone.now()
    message = Message.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        inbox_id=conversation.inbox_id,
        direction=Direction.OUTGOING,
        sender_type=sender_type,
        sender_agent=actor,
        text=text,
        html=sanitize_html(html) if html else "",
        reply_to=reply_to,
        delivery_status=Delivery.QUEUED,
        next_attempt_at=now,
        metadata=metadata or {},
        created_at=now,
    )
    if actor is not None:
        conversation.participants.add(actor)
    _touch(conversation, now)
    events.append(conversation, EventKind.MESSAGE_OUT, actor=actor, message=message, at=now)
    events.announce(conversation, "message.created", {"message": events.message_payload(message)})
    enqueue_on_commit(deliver_message, message.pk)
    return message


def check_add_note(actor: Membership, conversation_id: int, text: str) -> Message:
    text = _require_text(text, "")
    with transaction.atomic():
        conversation = access_conversation(actor, conversation_id, lock=True)
        _refuse_merged(conversation)
        now = timezone.now()
        note = Message.objects.create(
            workspace_id=conversation.workspace_id,
            conversation=conversation,
            inbox_id=conversation.inbox_id,
            direction=Direction.NOTE,
            sender_type=SenderType.AGENT,
            sender_agent=actor,
            text=text,
            created_at=now,
        )
        events.append(conversation, EventKind.NOTE, actor=actor, message=note, at=now)
        events.announce(conversation, "message.created", {"message": events.message_payload(note)})
        return note


def _require_text(text: str, html: str, *, has_files: bool = False) -> str:
    text = text.strip()
    if not text and not html.strip() and not has_files:
        raise ActionError(_("The message is empty."), field="text")
    if len(text) > MAX_TEXT:
        raise ActionError(_("The message is too long."), field="text")
    return text


def _refuse_merged(conversation: Conversation) -> None:
    if conversation.merged_into_id is not None:
        raise Conflict(_("This conversation was merged into another one."), field="conversation_id")


class Unset:
    """Marks an argument that was not given, as opposed to one given as None."""


UNSET = Unset()


def check_assign(
    actor: Membership,
    conversation_id: int,
    *,
    assignee_id: int | Unset | None = UNSET,
    team_id: int | Unset | None = UNSET,
) -> Conversation:
    """Assign an agent and/or a team; None clears. Tell agents who lose sight of it."""
    with transaction.atomic():
        conversation = access_conversation(actor, conversation_id, lock=True)
        before = set(viewer_ids(conversation))
        changed = False
        if not isinstance(assignee_id, Unset):
            agent = access_agent(actor, assignee_id) if assignee_id is not None else None
            changed |= do_assign(conversation, agent, actor=actor)
        if not isinstance(team_id, Unset):
            team = access_team(actor, team_id) if team_id is not None else None
            if conversation.team_id != (team.pk if team else None):
                conversation.team = team
                conversation.save(update_fields=["team"])
                events.append(conversation, EventKind.TEAM, actor=actor, data={"team_id": team_id})
                changed = True
        if changed:
            events.announce(conversation, "conversation.updated")
            lost = before - set(viewer_ids(conversation))
            publish(lost, "conversation.removed", {"conversation": {"id": conversation.pk}})
        return conversation


def do_assign(
    conversation: Conversation, agent: Membership | None, *, actor: Membership | None
) -> bool:
    if conversation.assignee_id == (agent.pk if agent else None):
        return False
    previous = conversation.assignee_id
    conversation.assignee = agent
    conversation.save(update_fields=["assignee"])
    events.append(
        conversation,
        EventKind.ASSIGNED,
        actor=actor,
        data={"assignee_id": agent.pk if agent else None, "previous_id": previous},
    )
    return True


def check_change_status(actor: Membership, conversation_id: int, status: str) -> Conversation:
    if status not in Status.values:
        raise ActionError(_("Unknown status."), field="status")
    if status == Status.SNOOZED:
        raise ActionError(_("Use snooze, with a time to wake up."), field="status")
    with transaction.atomic():
        conversation = access_conversation(actor, conversation_id, lock=True)
        _refuse_merged(conversation)
        if conversation.status != status:
            _set_status(conversation, status, actor=actor, at=timezone.now())
            events.announce(conversation, "conversation.updated")
        return conversation


def check_snooze(actor: Membership, conversation_id: int, until: dt.datetime) -> Conversation:
    if until.tzinfo is None:
        raise ActionError(_("Give the time with its time zone."), field="until")
    now = timezone.now()
    if until <= now:
        raise ActionError(_("Snooze until a time in the future."), field="until")
    with transaction.atomic():
        conversation = access_conversation(actor, conversation_id, lock=True)
        _refuse_merged(conversation)
        conversation.snoozed_until = until
        _set_status(conversation, Status.SNOOZED, actor=actor, at=now, until=until)
        events.announce(conversation, "conversation.updated")
        return conversation


def _set_status(
    conversation: Conversation,
    status: str,
    *,
    actor: Membership | None,
    at: dt.datetime,
    reason: str = "",
    until: dt.datetime | None = None,
) -> None:
    previous = conversation.status
    conversation.status = status
    if status == Status.RESOLVED:
        conversation.resolved_at = at
    if status != Status.SNOOZED:
        conversation.snoozed_until = None
    conversation.save(update_fields=["status", "resolved_at", "snoozed_until"])
    data: dict[str, str] = {"from": previous, "to": status}
    if reason:
        data["reason"] = reason
    if until is not None:
        data["until"] = until.isoformat()
    events.append(conversation, EventKind.STATUS, actor=actor, data=data, at=at)


def wake_snoozed(now: dt.datetime | None = None) -> int:
    """Reopen every snoozed conversation whose time has come. Safe to run from many places."""
    now = now or timezone.now()
    due = Conversation.objects.filter(status=Status.SNOOZED, snoozed_until__lte=now)
    woken = 0
    for pk in due.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            conversation = (
                Conversation.objects.select_for_update()
                .filter(pk=pk, status=Status.SNOOZED, snoozed_until__lte=now)
                .first()
            )
            if conversation is None:
                continue
            _set_status(conversation, Status.OPEN, actor=None, at=now, reason="snooze_ended")
            events.announce(conversation, "conversation.updated")
            woken += 1
    return woken


def check_set_priority(actor: Membership, conversation_id: int, priority: str) -> Conversation:
    if priority not in Priority.values:
        raise ActionError(_("Unknown priority."), field="priority")
    with transaction.atomic():
        conversation = access_conversation(actor, conversation_id, lock=True)
        if conversation.priority != priority:
            previous = conversation.priority
            conversation.priority = priority
            conversation.save(update_fields=["priority"])
            events.append(
                conversation,
                EventKind.PRIORITY,
                actor=actor,
                data={"from": previous, "to": priority},
            )
            events.announce(conversation, "conversation.updated")
        return conversation


def check_set_labels(actor: Membership, conversation_id: int, names: list[str]) -> Conversation:
    """Replace the labels of a conversation; unknown label names are created."""
    cleaned = sorted({name.strip() for name in names if name.strip()})
    if any(len(name) > 64 for name in cleaned):
        raise ActionError(_("A label is at most 64 characters."), field="labels")
    with transaction.atomic():
        conversation = access_conversation(actor, conversation_id, lock=True)
        current = sorted(conversation.labels.values_list("name", flat=True))
        if current == cleaned:
            return conversation
        labels = [
            Label.objects.get_or_create(workspace_id=actor.workspace_id, name=name)[0]
            for name in cleaned
        ]
        conversation.labels.set(labels)
        events.append(
            conversation,
            EventKind.LABELS,
            actor=actor,
            data={
                "added": sorted(set(cleaned) - set(current)),
                "removed": sorted(set(current) - set(cleaned)),
            },
        )
        events.announce(conversation, "conversation.updated")
        return conversation


def check_merge_conversations(actor: Membership, source_id: int, target_id: int) -> Conversation:
    """Merge `source` into `target`: messages and events move, the source points to the target."""
    if source_id == target_id:
        raise ActionError(_("A conversation cannot be merged into itself."), field="target_id")
    with transaction.atomic():
        first, second = sorted([source_id, target_id])
        locked = {
            first: access_conversation(actor, first, lock=True, field=_field(first, source_id)),
            second: access_conversation(actor, second, lock=True, field=_field(second, source_id)),
        }
        source, target = locked[source_id], locked[target_id]
        _refuse_merged(source)
        _refuse_merged(target)
        do_merge_conversations(source, target, actor=actor)
        return target


def _field(pk: int, source_id: int) -> str:
    return "source_id" if pk == source_id else "target_id"


def do_merge_conversations(
    source: Conversation, target: Conversation, *, actor: Membership | None
) -> None:
    now = timezone.now()
    source.messages.update(conversation=target)
    source.events.update(conversation=target)
    target.labels.add(*source.labels.all())
    target.participants.add(*source.participants.all())
    target.last_activity_at = max(target.last_activity_at, source.last_activity_at)
    target.save(update_fields=["last_activity_at"])
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    if source.status != Status.CLOSED:
        _set_status(source, Status.CLOSED, actor=actor, at=now, reason="merged")
    events.append(
        target,
        EventKind.MERGED,
        actor=actor,
        at=now,
        data={"source_id": source.pk, "source_number": source.number},
    )
    events.append(
        source,
        EventKind.MERGED,
        actor=actor,
        at=now,
        data={"target_id": target.pk, "target_number": target.number},
    )
    events.announce(target, "conversation.updated")
    events.announce(source, "conversation.merged", {"target_id": target.pk})


def check_split_conversation(actor: Membership, message_id: int) -> Conversation:
    """Move a message and everything after it into a new conversation linked to the old one."""
    with transaction.atomic():
        message = access_message(actor, message_id)
        conversation = access_conversation(actor, message.conversation_id, lock=True)
        _refuse_merged(conversation)
        return do_split_conversation(conversation, message, actor=actor)


def do_split_conversation(
    conversation: Conversation, message: Message, *, actor: Membership | None
) -> Conversation:
    ordered = conversation.messages.order_by("created_at", "id")
    first = ordered.first()
    if first is None or first.pk == message.pk:
        raise ActionError(
            _("Split from a later message: the first one would leave nothing behind."),
            field="message_id",
        )
    moving = ordered.filter(created_at__gte=message.created_at).exclude(
        created_at=message.created_at, id__lt=message.pk
    )
    moving_ids = list(moving.values_list("pk", flat=True))
    now = timezone.now()
    latest = max(m.created_at for m in conversation.messages.filter(pk__in=moving_ids))
    new = Conversation.objects.create(
        workspace_id=conversation.workspace_id,
        number=next_number(conversation.workspace_id),
        inbox_id=conversation.inbox_id,
        contact_id=message.sender_contact_id or conversation.contact_id,
        subject=conversation.subject,
        thread_key=conversation.thread_key,
        team_id=conversation.team_id,
        assignee_id=conversation.assignee_id,
        priority=conversation.priority,
        language=conversation.language,
        split_from=conversation,
        last_activity_at=latest,
    )
    Message.objects.filter(pk__in=moving_ids).update(conversation=new)
    conversation.events.filter(message_id__in=moving_ids).update(conversation=new)
    remaining = conversation.messages.order_by("-created_at", "-id").first()
    if remaining is not None:
        conversation.last_activity_at = remaining.created_at
        conversation.save(update_fields=["last_activity_at"])
    events.append(
        new,
        EventKind.SPLIT,
        actor=actor,
        at=now,
        data={
            "from_id": conversation.pk,
            "from_number": conversation.number,
            "messages": len(moving_ids),
        },
    )
    events.append(
        conversation,
        EventKind.SPLIT,
        actor=actor,
        at=now,
        data={"into_id": new.pk, "into_number": new.number, "messages": len(moving_ids)},
    )
    events.announce(conversation, "conversation.updated")
    events.announce(new, "conversation.created")
    return new
