"""Auto-acknowledgement: one automatic first reply saying when the customer can expect an answer.

A pipeline step (after the SLA step, whose first-reply due time it announces). Sent once per
conversation start, in the customer's language (the conversation's, else the contact's,
among the shipped ones, else the inbox default), never to automated mail, never after an
agent has answered. The time is shown in the zone of the calendar the conversation works
by (team, else inbox), else the workspace's zone.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from javob.conversations.actions import do_send_reply
from javob.conversations.models import Conversation, Direction, Message, SenderType
from javob.sla import hours
from javob.sla.models import AutoAck, AutoAckSent, Metric, SlaTimer
from javob.sla.queries import as_hours, calendar_for
from javob.sla.steps import is_automated

logger = logging.getLogger(__name__)

LANGUAGES = ("uz", "uz-cyrl", "ru", "en")


def normalise_language(code: str) -> str | None:
    """ "uz-Cyrl-UZ" -> "uz-cyrl", "ru_RU" -> "ru", "uz-Latn" -> "uz"; None when not shipped."""
    code = code.strip().lower().replace("_", "-")
    if not code:
        return None
    base = code.split("-")[0]
    if base == "uz":
        return "uz-cyrl" if "cyrl" in code else "uz"
    return base if base in LANGUAGES else None


def choose_language(conversation: Conversation, default: str) -> str:
    for candidate in (conversation.language, conversation.contact.locale):
        chosen = normalise_language(candidate or "")
        if chosen is not None:
            return chosen
    return normalise_language(default) or "en"


def expected_answer(conversation: Conversation, now: dt.datetime) -> dt.datetime | None:
    """The first-reply due time, else the next opening when closed now, else None."""
    timer = SlaTimer.objects.filter(
        conversation_id=conversation.pk,
        metric__in=[Metric.FIRST_REPLY, Metric.NEXT_REPLY],
        fulfilled_at__isnull=True,
        due_at__isnull=False,
    ).first()
    if timer is not None:
        return timer.due_at
    calendar = calendar_for(conversation)
    if calendar is None:
        return None
    try:
        cal = as_hours(calendar)
        return None if hours.is_open(cal, now) else hours.next_open(cal, now)
    except hours.NeverOpen:
        return None


def zone_of(conversation: Conversation) -> str:
    calendar = calendar_for(conversation)
    return calendar.zone if calendar is not None else conversation.inbox.workspace.time_zone


def ack_text(language: str, due: dt.datetime | None, zone: str, now: dt.datetime) -> str:
    """The acknowledgement in `language`, e.g. "... by 10:00 tomorrow, Tashkent time."."""
    with translation.override(language):
        if due is None:
            return _("We have received your message and will answer as soon as we can.")
        local = due.astimezone(hours.zone_info(zone))
        days = (local.date() - now.astimezone(local.tzinfo).date()).days
        values = {
            "time": local.strftime("%H:%M"),
            "city": zone.rsplit("/", 1)[-1].replace("_", " "),
            "date": formats.date_format(local, "l, j E"),
        }
        if days <= 0:
            return (
                _("We have received your message. We will answer by %(time)s today, %(city)s time.")
                % values
            )
        if days == 1:
            return (
                _(
                    "We have received your message. We will answer by %(time)s tomorrow, "
                    "%(city)s time."
                )
                % values
            )
        return (
            _(
                "We have received your message. We will answer by %(time)s on %(date)s, "
                "%(city)s time."
            )
            % values
        )


def _starts_conversation(message: Message) -> bool:
    first = (
        Message.objects.filter(
            conversation_id=message.conversation_id, direction=Direction.INCOMING
        )
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
        .first()
    )
    answered = Message.objects.filter(
        conversation_id=message.conversation_id,
        direction=Direction.OUTGOING,
        sender_type=SenderType.AGENT,
    ).exists()
    return first == message.pk and not answered


def _channel_allows(message: Message) -> bool:
    """The channel's own auto-reply guard. Email's also refuses mail carrying our X-Loop, a
    sender posing as one of us, and a second automatic answer in a day, so two installs
    acknowledging each other stop after one exchange even when headers get stripped."""
    if message.inbox.kind != "email":
        return True
    from javob.connectors.email.actions import may_auto_reply

    return may_auto_reply(message)


def auto_acknowledge(message_id: int) -> Message | None:
    """Pipeline step: acknowledge the first customer message of a conversation, once."""
    message = Message.objects.select_related("conversation", "inbox").filter(pk=message_id).first()
    if message is None or message.direction != Direction.INCOMING or is_automated(message):
        return None
    settings = AutoAck.objects.filter(inbox_id=message.inbox_id, enabled=True).first()
    if settings is None or not _starts_conversation(message) or not _channel_allows(message):
        return None
    try:
        with transaction.atomic():
            return _send(message, settings)
    except IntegrityError:  # another run acknowledged it first
        return None


def _send(message: Message, settings: AutoAck) -> Message | None:
    conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("inbox__workspace", "contact")
        .get(pk=message.conversation_id)
    )
    if not conversation.is_active or conversation.merged_into_id is not None:
        return None
    language = choose_language(conversation, settings.default_language)
    sent = AutoAckSent.objects.create(
        workspace_id=conversation.workspace_id, conversation=conversation, language=language
    )
    now = timezone.now()
    text = ack_text(language, expected_answer(conversation, now), zone_of(conversation), now)
    # Marked automatic so the email channel sends it with Auto-Submitted: auto-replied.
    reply = do_send_reply(
        conversation,
        text,
        sender_type=SenderType.SYSTEM,
        metadata={"automated": True, "auto_reply": "acknowledgement"},
    )
    sent.message = reply
    sent.save(update_fields=["message"])
    return reply
