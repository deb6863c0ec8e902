"""Periodic sweeps, run by the one scheduler process (`javob scheduler`).

Each sweep is a conditional update or hands ids to tasks, so running two schedulers by
mistake does no harm. Later parts (SLA timers, mailbox polling) add their sweeps here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections

logger = logging.getLogger(__name__)


def wake_snoozed() -> int:
    from javob.conversations.actions import wake_snoozed as wake

    return wake()


def resend_due_messages() -> int:
    from javob.conversations.delivery import due_messages
    from javob.conversations.tasks import deliver_message

    ids = due_messages()
    for message_id in ids:
        deliver_message.enqueue(message_id)
    return len(ids)


def sweep_early_reports() -> int:
    from javob.conversations.delivery import sweep_early_reports as sweep

    return sweep()


def reprocess_pending_payloads() -> int:
    from javob.connectors.tasks import pending_payloads, process_payload

    ids = pending_payloads()
    for payload_id in ids:
        process_payload.enqueue(payload_id)
    return len(ids)


def email_webchat_followups() -> int:
    from javob.connectors.webchat.followup import email_unseen_replies

    return email_unseen_replies()


def sweep_sla() -> int:
    from javob.sla.sweep import sweep_sla as sweep

    return sweep()


def no_reply_rules() -> int:
    from javob.automation.sweeps import no_reply_sweep

    return no_reply_sweep()


def prune_rule_runs() -> int:
    from javob.automation.sweeps import prune_rule_runs as prune

    return prune()


def poll_mailboxes() -> int:
    from javob.connectors.email.tasks import due_mailboxes, fetch_mailbox

    ids = due_mailboxes()
    for inbox_id in ids:
        fetch_mailbox.enqueue(inbox_id)
    return len(ids)


def reprocess_pending_mail() -> int:
    from javob.connectors.email.tasks import pending_mail, process_mail

    ids = pending_mail()
    for raw_mail_id in ids:
        process_mail.enqueue(raw_mail_id)
    return len(ids)


SWEEPS: list[Callable[[], int]] = [
    wake_snoozed,
    resend_due_messages,
    sweep_early_reports,
    reprocess_pending_payloads,
    email_webchat_followups,
    sweep_sla,
    no_reply_rules,
    prune_rule_runs,
    poll_mailboxes,
    reprocess_pending_mail,
]


def run_once() -> dict[str, int]:
    results = {}
    for sweep in SWEEPS:
        try:
            results[sweep.__name__] = sweep()
        except Exception:  # one failing sweep must not stop the others
            logger.exception("Sweep %s failed", sweep.__name__)
            results[sweep.__name__] = -1
    return results


def run_forever(interval: float, stop: threading.Event) -> None:
    logger.info("Scheduler running every %.1f s", interval)
    while not stop.is_set():
        close_old_connections()
        done = {name: n for name, n in run_once().items() if n}
        if done:
            logger.info("Sweeps: %s", done)
        close_old_connections()
        stop.wait(interval)
