"""Automation rules: an event on a conversation runs the enabled rules of that event, in order.

Entry points:

- `on_event(trigger, conversation_id, **context)` evaluates and runs the rules now. The
  pipeline step (`steps.after_receive`), the "no reply" sweep, and the SLA sweeper (for
  "sla.warning" / "sla.breach") call it.
- `notify(trigger, conversation_id)` is for changes made by agents ("status_changed",
  "assigned"): it runs `on_event` in a task after commit — and does nothing while rules are
  running, because the engine raises the events of its own changes itself (below).

Loop protection: the rules an event sets off, and the events their actions raise, form one
chain (held in a context variable while it runs). In a chain each rule runs at most once per
conversation and the chain is at most MAX_DEPTH events deep, so two rules that undo each
other stop after one round; the skipped run is logged with the reason.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.automation import loading, operations
from javob.automation.actor import automation_actor
from javob.automation.conditions import Facts, all_hold
from javob.automation.loading import RuleRow
from javob.automation.models import Rule, RuleRun, Trigger
from javob.conversations.models import Conversation, Event
from javob.core.errors import ActionError
from javob.core.tasks import enqueue_on_commit

logger = logging.getLogger(__name__)

MAX_DEPTH = 3


@dataclass
class Chain:
    fired: set[tuple[int, int]] = field(default_factory=set)  # (rule id, conversation id)
    depth: int = 0


_chain: contextvars.ContextVar[Chain | None] = contextvars.ContextVar("rule_chain", default=None)


@contextmanager
def _in_chain() -> Iterator[Chain]:
    chain = _chain.get()
    if chain is not None:
        yield chain
        return
    chain = Chain()
    token = _chain.set(chain)
    try:
        yield chain
    finally:
        _chain.reset(token)


def running_rules() -> bool:
    """True while rules run in this thread: their changes raise their events themselves."""
    return _chain.get() is not None


@dataclass(frozen=True, slots=True)
class Outcome:
    rule_id: int
    matched: bool
    actions_done: tuple[str, ...] = ()
    error: str = ""


def notify(trigger: str, conversation_id: int) -> None:
    """Run the rules of `trigger` after commit, in a task; a no-op while rules are running."""
    if running_rules():
        return
    from javob.automation.tasks import run_event

    enqueue_on_commit(run_event, trigger, conversation_id)


def on_event(
    trigger: str,
    conversation_id: int,
    *,
    message_id: int | None = None,
    event_key: str | None = None,
    rule_ids: tuple[int, ...] | None = None,
    **context: object,
) -> list[Outcome]:
    """Run the enabled rules of `trigger` on one conversation, in order; return what each did.

    `event_key` makes the event happen once: a rule already run with the same key for this
    conversation is not run again (the pipeline may repeat after a crash; sweeps repeat).
    `rule_ids` limits the run to those rules (the "no reply" sweep runs each rule on its own).
    Extra keyword arguments (the SLA sweeper's policy, target...) are accepted for logging.
    """
    with _in_chain() as chain:
        if chain.depth >= MAX_DEPTH:
            logger.warning("Rule chain too deep at %s on conversation %s", trigger, conversation_id)
            return []
        loaded = loading.load(conversation_id, message_id)
        if loaded is None:
            return []
        conversation = loaded.conversation
        rules = _rules(loading.rules_of(conversation.workspace_id, loaded.token, trigger), rule_ids)
        if not rules:  # the common case for most events: one statement and done
            return []
        facts = Facts(
            conversation,
            loaded.message,
            timezone.now(),
            loaded.business_hours,
            known_labels=loaded.labels,
        )
        outcomes, follow_ups = _run_rules(chain, rules, facts, trigger, event_key)
        chain.depth += 1
        try:
            for follow_up in follow_ups:
                outcomes += on_event(follow_up, conversation_id)
        finally:
            chain.depth -= 1
        return outcomes


def _rules(rows: list[RuleRow], rule_ids: tuple[int, ...] | None) -> list[RuleRow]:
    if rule_ids is None:
        return rows
    return [row for row in rows if row.pk in rule_ids]


def _run_rules(
    chain: Chain, rules: list[RuleRow], facts: Facts, trigger: str, event_key: str | None
) -> tuple[list[Outcome], list[str]]:
    outcomes: list[Outcome] = []
    follow_ups: list[str] = []
    conversation = facts.conversation
    misses: list[RuleRun] = []
    for row in rules:
        if not all_hold(row.conditions, row.match, facts):
            # "No reply" runs are logged either way: the sweep skips what it has evaluated.
            if row.log_misses or trigger == Trigger.NO_REPLY:
                misses.append(_run_row(row.pk, conversation, trigger, None, matched=False))
            outcomes.append(Outcome(row.pk, matched=False))
            continue
        key = (row.pk, conversation.pk)
        if key in chain.fired:
            outcomes.append(_skip_loop(row.pk, conversation, trigger))
            continue
        chain.fired.add(key)
        outcome, raised = _run_rule(row, conversation, trigger, event_key)
        outcomes.append(outcome)
        follow_ups += [item for item in raised if item not in follow_ups]
        if row.stop_processing:
            break
        # Later rules see what earlier ones changed.
        facts = _refresh(facts)
    RuleRun.objects.bulk_create(misses)
    return outcomes, follow_ups


def _refresh(facts: Facts) -> Facts:
    loaded = loading.load(facts.conversation.pk)
    if loaded is None:
        return facts
    message = facts.message
    if message is not None:
        message.conversation = loaded.conversation
    return Facts(
        loaded.conversation, message, facts.at, facts.business_hours, known_labels=loaded.labels
    )


def _run_row(
    rule_id: int,
    conversation: Conversation,
    trigger: str,
    event_key: str | None,
    *,
    matched: bool,
) -> RuleRun:
    return RuleRun(
        workspace_id=conversation.workspace_id,
        rule_id=rule_id,
        conversation=conversation,
        trigger=trigger,
        event_key=event_key,
        matched=matched,
        created_at=timezone.now(),
    )


def _skip_loop(rule_id: int, conversation: Conversation, trigger: str) -> Outcome:
    error = _(
        "Skipped: this rule already ran on this conversation in the same chain of events "
        "(loop protection)."
    )
    run = _run_row(rule_id, conversation, trigger, None, matched=True)
    run.error = error
    run.save()
    return Outcome(rule_id, matched=True, error=error)


def _run_rule(
    rule: RuleRow, conversation: Conversation, trigger: str, event_key: str | None
) -> tuple[Outcome, list[str]]:
    """Claim the run (once per event key), then run the actions in one transaction."""
    try:
        with transaction.atomic():
            run = _run_row(rule.pk, conversation, trigger, event_key, matched=True)
            run.save()
    except IntegrityError:
        return Outcome(rule.pk, matched=True, error="already run"), []
    done: list[str] = []
    raised: list[str] = []
    try:
        with transaction.atomic():
            for index, spec in enumerate(rule.actions):
                summary, follow_up = _act(rule, index, spec, conversation, trigger)
                done.append(summary)
                if follow_up:
                    raised.append(follow_up)
    except Exception as exc:
        # All or nothing: the rule's changes are rolled back and the reason is logged.
        if not isinstance(exc, ActionError):
            logger.exception("Rule %s failed on conversation %s", rule.pk, conversation.pk)
        run.error = exc.message if isinstance(exc, ActionError) else f"{type(exc).__name__}: {exc}"
        done, raised = [], []
    run.actions_done = done
    run.save(update_fields=["actions_done", "error"])
    return Outcome(rule.pk, True, tuple(done), run.error), raised


def _act(
    rule: RuleRow, index: int, spec: dict[str, object], conversation: Conversation, trigger: str
) -> tuple[str, str | None]:
    from javob.automation import tasks

    kind = spec["type"]
    if kind == "email":
        enqueue_on_commit(tasks.send_rule_email, rule.pk, index, conversation.pk)
        return "email", None
    if kind == "webhook":
        enqueue_on_commit(tasks.call_webhook, rule.pk, index, conversation.pk, trigger)
        return "webhook", None
    actor = automation_actor(conversation.workspace_id)
    context = operations.Context(actor, conversation.pk, system=True)
    done = operations.run(context, spec)
    return done.summary, done.follow_up


# --- raised by other parts, registered where they announce their changes ------------------

_EVENT_TRIGGERS = {"status": Trigger.STATUS_CHANGED, "assigned": Trigger.ASSIGNED}


def on_timeline_event(event: Event) -> None:
    """A conversations.hooks reaction: a status change or an assignment raises its rules
    (after commit, in a task; never while rules themselves are making the change)."""
    trigger = _EVENT_TRIGGERS.get(event.kind)
    if trigger is not None:
        notify(trigger, event.conversation_id)


def on_sla_claims(kind: str, claims: Sequence[Any]) -> None:
    """An SLA sweep listener: each warning or breach raises its rules once, keyed by the
    timer and its time, so a repeated sweep runs nothing twice."""
    trigger = Trigger.SLA_WARNING if kind == "sla_warning" else Trigger.SLA_BREACH
    # A catch-up after downtime may bring 100k claims: ask once which workspaces have rules.
    with_rules = set(
        Rule.objects.filter(
            workspace_id__in={claim.workspace_id for claim in claims},
            trigger=trigger,
            enabled=True,
        ).values_list("workspace_id", flat=True)
    )
    for claim in claims:
        if claim.workspace_id not in with_rules:
            continue
        on_event(
            trigger,
            claim.conversation_id,
            event_key=f"sla:{claim.timer_id}:{claim.at.isoformat()}",
            target=claim.metric,
        )
