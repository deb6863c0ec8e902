"""Running one macro or rule action on one conversation, through the conversation actions.

Every change goes through `check_*` of `javob.conversations.actions` with the acting
membership (the agent who applies a macro, or the workspace's Automation pseudo-agent for a
rule), so permissions hold and each change leaves its timeline event. Each call returns
what it did, and the trigger it raises for rules when it changed status or assignment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.accounts.models import Membership
from javob.automation.models import CannedResponse
from javob.automation.render import pick_body, render, values_for
from javob.automation.syntax import Spec
from javob.conversations.actions import (
    check_add_note,
    check_assign,
    check_change_status,
    check_send_reply,
    check_set_labels,
    check_set_priority,
    check_snooze,
    do_send_reply,
)
from javob.conversations.models import Conversation, SenderType
from javob.conversations.queries import access_conversation
from javob.core.errors import NotFound


@dataclass(frozen=True, slots=True)
class Done:
    summary: str
    follow_up: str | None = None  # the rule trigger this change raises, if any


@dataclass(frozen=True, slots=True)
class Context:
    actor: Membership
    conversation_id: int
    # True for rules: replies are sent as the system, not as the pseudo-agent.
    system: bool = False


def run(context: Context, spec: Spec) -> Done:
    kind = spec["type"]
    handler = _HANDLERS[kind]
    return handler(context, spec)


def _assign_agent(context: Context, spec: Spec) -> Done:
    before = _current(context).assignee_id
    after = check_assign(context.actor, context.conversation_id, assignee_id=spec["agent_id"])
    changed = before != after.assignee_id
    return Done(f"assign_agent {spec['agent_id']}", "assigned" if changed else None)


def _assign_team(context: Context, spec: Spec) -> Done:
    check_assign(context.actor, context.conversation_id, team_id=spec["team_id"])
    return Done(f"assign_team {spec['team_id']}")


def _priority(context: Context, spec: Spec) -> Done:
    check_set_priority(context.actor, context.conversation_id, spec["value"])
    return Done(f"priority {spec['value']}")


def _status(context: Context, spec: Spec) -> Done:
    before = _current(context).status
    after = check_change_status(context.actor, context.conversation_id, spec["value"])
    changed = before != after.status
    return Done(f"status {spec['value']}", "status_changed" if changed else None)


def _snooze(context: Context, spec: Spec) -> Done:
    before = _current(context).status
    until = timezone.now() + dt.timedelta(hours=spec["hours"])
    after = check_snooze(context.actor, context.conversation_id, until)
    changed = before != after.status
    return Done(f"snooze {spec['hours']}", "status_changed" if changed else None)


def _labels(context: Context, spec: Spec) -> Done:
    conversation = _current(context)
    current = set(conversation.labels.values_list("name", flat=True))
    wanted = {label.lower() for label in spec["labels"]}
    if spec["type"] == "labels_add":
        names = current | set(spec["labels"])
    else:
        names = {name for name in current if name.lower() not in wanted}
    check_set_labels(context.actor, context.conversation_id, sorted(names))
    return Done(f"{spec['type']} {', '.join(spec['labels'])}")


def _reply(context: Context, spec: Spec) -> Done:
    conversation = _current(context)
    canned = CannedResponse.objects.filter(
        workspace_id=conversation.workspace_id, pk=spec["canned_id"]
    ).first()
    if canned is None:
        raise NotFound(_("No such canned response."), field="canned_id")
    agent = context.actor if not context.system else conversation.assignee
    text = render_canned_text(canned, conversation, agent)
    if context.system:
        do_send_reply(conversation, text, actor=None, sender_type=SenderType.SYSTEM)
    else:
        check_send_reply(context.actor, context.conversation_id, text)
    count_use(canned.pk)
    return Done(f"reply /{canned.shortcut}")


def _note(context: Context, spec: Spec) -> Done:
    conversation = _current(context)
    agent = context.actor if not context.system else conversation.assignee
    check_add_note(
        context.actor,
        context.conversation_id,
        render(spec["text"], values_for(conversation, agent)),
    )
    return Done("note")


def _current(context: Context) -> Conversation:
    """The conversation as the actor may see it, locked (the caller holds a transaction)."""
    return access_conversation(context.actor, context.conversation_id, lock=True)


def render_canned_text(
    canned: CannedResponse, conversation: Conversation, agent: Membership | None
) -> str:
    language = conversation.language or conversation.contact.locale or ""
    if not language:
        language = conversation.inbox.workspace.default_locale
    body = pick_body(canned.bodies, language, canned.default_language)
    return render(body, values_for(conversation, agent))


def count_use(canned_id: int) -> None:
    CannedResponse.objects.filter(pk=canned_id).update(
        usage_count=F("usage_count") + 1, last_used_at=timezone.now()
    )


_HANDLERS = {
    "assign_agent": _assign_agent,
    "assign_team": _assign_team,
    "priority": _priority,
    "status": _status,
    "snooze": _snooze,
    "labels_add": _labels,
    "labels_remove": _labels,
    "reply": _reply,
    "note": _note,
}
