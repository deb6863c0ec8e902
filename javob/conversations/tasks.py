"""Background work on conversations. Tasks take ids, are idempotent and safe to retry."""

from __future__ import annotations

import logging

from django.tasks import task

from javob.connectors.base import DeliveryError
from javob.connectors.registry import UnknownChannel, connector_for
from javob.conversations import delivery
from javob.conversations.models import Message

logger = logging.getLogger(__name__)


@task()
def deliver_message(message_id: int) -> str:
    """Send one queued outgoing message through its inbox's connector."""
    message = delivery.claim(message_id)
    if message is None:
        return "skipped"
    try:
        external_id = connector_for(message.inbox).send(message)
    except UnknownChannel:
        delivery.record_failure(
            message, f"No connector for the {message.inbox.kind} channel.", permanent=True
        )
        return "failed"
    except DeliveryError as exc:
        due = delivery.record_failure(message, exc.reason, permanent=exc.permanent)
        if due is None:
            return "failed"
        _schedule_retry(message.pk, due)
        return "retry"
    delivery.record_sent(message, external_id)
    return "sent"


def _schedule_retry(message_id: int, due: object) -> None:
    backend = deliver_message.get_backend()
    if backend.supports_defer:
        deliver_message.using(run_after=due).enqueue(message_id)  # type: ignore[arg-type]
    # Otherwise the scheduler's sweep picks the message up once it is due.


@task()
def after_receive(message_id: int) -> None:
    """Work that follows a stored customer message (enrichment, rules, routing, SLA).

    The later parts of Javob hook in here; it already runs after every receive.
    """
    if not Message.objects.filter(pk=message_id).exists():
        logger.info("after_receive: message %s is gone", message_id)
