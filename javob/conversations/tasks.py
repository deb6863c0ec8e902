"""Background work on conversations. Tasks take ids, are idempotent and safe to retry."""

from __future__ import annotations

import datetime as dt
import logging

from django.tasks import task
from django.utils.translation import gettext as _

from javob.connectors.base import DeliveryError
from javob.connectors.registry import UnknownChannel, connector_for
from javob.conversations import delivery, pipeline
from javob.conversations.models import Message

logger = logging.getLogger(__name__)


@task()
def deliver_message(message_id: int) -> str:
    """Send one queued outgoing message through its inbox's connector.

    Safe to run any number of times, from any number of workers: only the worker that wins
    the claim sends, and a message already sent is skipped.
    """
    message = delivery.claim(message_id)
    if message is None:
        return "skipped"
    try:
        external_id = connector_for(message.inbox).send(message)
    except UnknownChannel:
        reason = _("No connector for the %(kind)s channel.") % {"kind": message.inbox.kind}
        return _failed(message, DeliveryError(reason, permanent=True))
    except DeliveryError as exc:
        return _failed(message, exc)
    except Exception as exc:
        # A bug or an outage below the connector: count it as a transient failure, so the
        # message is retried with backoff and fails for good after the last attempt instead
        # of being picked up again forever.
        logger.exception("Sending message %s failed unexpectedly", message_id)
        return _failed(message, DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False))
    delivery.record_sent(message, external_id)
    return "sent"


def _failed(message: Message, error: DeliveryError) -> str:
    due = delivery.record_failure(
        message, error.reason, permanent=error.permanent, retry_after=error.retry_after
    )
    if due is None:
        return "failed"
    _schedule_retry(message.pk, due)
    return "retry"


def _schedule_retry(message_id: int, due: dt.datetime) -> None:
    backend = deliver_message.get_backend()
    if backend.supports_defer:
        deliver_message.using(run_after=due).enqueue(message_id)
    # Otherwise the scheduler's sweep picks the message up once it is due.


@task()
def after_receive(message_id: int) -> None:
    """Work that follows a stored customer message: the steps in `pipeline.AFTER_RECEIVE`."""
    if not Message.objects.filter(pk=message_id).exists():
        logger.info("after_receive: message %s is gone", message_id)
        return
    pipeline.run_after_receive(message_id)
