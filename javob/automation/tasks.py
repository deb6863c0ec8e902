"""Background work of rules: events raised by agents' changes, emails and webhooks.

Tasks take ids. An email or webhook reads its address from the rule's action when it runs;
a rule changed or deleted in between sends nothing.
"""

from __future__ import annotations

import json
import logging

from django.core.mail import send_mail
from django.tasks import task

from javob.automation.models import Rule
from javob.automation.render import render, values_for
from javob.conversations.events import conversation_payload
from javob.conversations.models import Conversation, Event, EventKind
from javob.core import http

logger = logging.getLogger(__name__)


# The timeline event each trigger raised by a change stands for.
EVENT_KINDS = {"status_changed": EventKind.STATUS, "assigned": EventKind.ASSIGNED}


@task()
def run_event(trigger: str, conversation_id: int) -> int:
    """Run the rules of an event raised outside the rules (an agent's change).

    The run is keyed by the conversation's latest timeline event of that kind, so the same
    change announced twice (or a retried task) runs each rule once.
    """
    from javob.automation.engine import on_event

    latest = (
        Event.objects.filter(
            conversation_id=conversation_id, kind=EVENT_KINDS.get(trigger, trigger)
        )
        .order_by("-id")
        .values_list("pk", flat=True)
        .first()
    )
    key = f"event:{latest}" if latest is not None else None
    outcomes = on_event(trigger, conversation_id, event_key=key)
    return sum(1 for outcome in outcomes if outcome.matched)


def _action(rule_id: int, index: int, kind: str) -> tuple[Rule, dict[str, object]] | None:
    rule = Rule.objects.filter(pk=rule_id, enabled=True).first()
    if rule is None or index >= len(rule.actions) or rule.actions[index].get("type") != kind:
        logger.info("Rule %s action %s (%s) is gone; nothing sent", rule_id, index, kind)
        return None
    return rule, rule.actions[index]


def _conversation(rule: Rule, conversation_id: int) -> Conversation | None:
    return (
        Conversation.objects.select_related("contact", "inbox", "assignee__user")
        .filter(pk=conversation_id, workspace_id=rule.workspace_id)
        .first()
    )


@task()
def send_rule_email(rule_id: int, index: int, conversation_id: int) -> str:
    """Send the email of a rule's action through Django's mail backend."""
    found = _action(rule_id, index, "email")
    if found is None:
        return "skipped"
    rule, spec = found
    conversation = _conversation(rule, conversation_id)
    if conversation is None:
        return "skipped"
    values = values_for(conversation, conversation.assignee)
    recipients = [str(address) for address in spec["to"]]  # type: ignore[attr-defined]
    subject = render(str(spec["subject"]), values).replace("\n", " ")
    send_mail(subject, render(str(spec["body"]), values), None, recipients)
    return "sent"


@task()
def call_webhook(rule_id: int, index: int, conversation_id: int, trigger: str) -> int:
    """POST the event to the rule's URL through the safe client (no internal addresses)."""
    found = _action(rule_id, index, "webhook")
    if found is None:
        return 0
    rule, spec = found
    conversation = _conversation(rule, conversation_id)
    if conversation is None:
        return 0
    body = {
        "event": trigger,
        "rule": {"id": rule.pk, "name": rule.name},
        "conversation": conversation_payload(conversation),
    }
    response = http.request(
        "POST",
        str(spec["url"]),
        body=json.dumps(body).encode(),
        headers={"content-type": "application/json", "user-agent": "Javob-Automation"},
    )
    if response.status >= 400:
        logger.warning("Rule %s webhook answered %s", rule_id, response.status)
    return response.status
