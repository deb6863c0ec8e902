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
import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.automation import operations
from javob.automation.actor import automation_actor
from javob.automation.conditions import Facts, all_hold, business_hours_predicate
from javob.automation.models import Rule, RuleRun, Trigger
from javob.contacts.models import Contact
from javob.conversations.models import Conversation, Event, Inbox, Message
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
        rules = _rules(conversation_id, trigger, rule_ids)
        if not rules:  # the common case for most events: one query and done
            return []
        conversation, message = _load(conversation_id, message_id)
        if conversation is None:
            return []
        facts = Facts(conversation, message, timezone.now(), business_hours_predicate())
        outcomes, follow_ups = _run_rules(chain, rules, facts, trigger, event_key)
        chain.depth += 1
        try:
            for follow_up in follow_ups:
                outcomes += on_event(follow_up, conversation_id)
        finally:
            chain.depth -= 1
        return outcomes


@dataclass(frozen=True, slots=True)
class RuleRow:
    """What evaluating a rule needs; the full row is read only when it matches."""

    pk: int
    match: str
    conditions: list[dict[str, object]]
    stop_processing: bool
    log_misses: bool


def _rules(conversation_id: int, trigger: str, rule_ids: tuple[int, ...] | None) -> list[RuleRow]:
    """The enabled rules of `trigger` in the conversation's workspace, in order.

    This runs for every message and every change, so it is one hand-written statement
    (building the ORM query and fifty model rows costs more than the query itself).
    """
    q = connection.ops.quote_name
    columns = ", ".join(
        q(c) for c in ("id", "match", "conditions", "stop_processing", "log_misses")
    )
    sql = (
        f"SELECT {columns} FROM {q(Rule._meta.db_table)} "  # noqa: S608
        f"WHERE {q('workspace_id')} = (SELECT {q('workspace_id')} "
        f"FROM {q(Conversation._meta.db_table)} WHERE {q('id')} = %s) "
        f"AND {q('trigger')} = %s AND {q('enabled')}"
    )
    params: list[int | str] = [conversation_id, trigger]
    if rule_ids is not None:
        if not rule_ids:
            return []
        sql += f" AND {q('id')} IN ({', '.join(['%s'] * len(rule_ids))})"
        params += list(rule_ids)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} ORDER BY {q('position')}, {q('id')}", params)
        rows = cursor.fetchall()
    return [
        RuleRow(pk, match, _json(conditions), bool(stop), bool(log_misses))
        for pk, match, conditions, stop, log_misses in rows
    ]


def _json(value: object) -> list[dict[str, object]]:
    # SQLite returns JSON columns as text; psycopg decodes jsonb itself.
    decoded = json.loads(value) if isinstance(value, str | bytes) else value
    return decoded if isinstance(decoded, list) else []


def _load(
    conversation_id: int, message_id: int | None = None
) -> tuple[Conversation | None, Message | None]:
    """The conversation with its contact and inbox, and the message.

    Plain `SELECT *` by primary key through `raw()` (which still converts every field):
    four of them cost less than one ORM query joining the four tables, whose building
    dominated the evaluation of fifty rules.
    """
    conversation = _by_pk(Conversation, conversation_id)
    if conversation is None:
        return None, None
    contact = _by_pk(Contact, conversation.contact_id)
    if contact is not None:
        conversation.contact = contact
    q = connection.ops.quote_name
    inbox = next(
        iter(
            Inbox.objects.raw(
                f"SELECT {q('id')}, {q('workspace_id')}, {q('kind')}, {q('name')} "  # noqa: S608
                f"FROM {q(Inbox._meta.db_table)} WHERE {q('id')} = %s",
                [conversation.inbox_id],
            )
        ),
        None,
    )
    if inbox is not None:
        conversation.inbox = inbox  # secrets and settings stay unread (deferred)
    message = None
    if message_id is not None:
        message = _by_pk(Message, message_id)
        if message is not None and message.conversation_id != conversation.pk:
            message = None
        elif message is not None:
            message.conversation = conversation
    return conversation, message


def _by_pk[M: Model](model: type[M], pk: int) -> M | None:
    q = connection.ops.quote_name
    sql = f"SELECT * FROM {q(model._meta.db_table)} WHERE {q('id')} = %s"  # noqa: S608
    return next(iter(model._default_manager.raw(sql, [pk])), None)


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
        rule = Rule.objects.get(pk=row.pk)
        outcome, raised = _run_rule(rule, conversation, trigger, event_key)
        outcomes.append(outcome)
        follow_ups += [item for item in raised if item not in follow_ups]
        if row.stop_processing:
            break
        # Later rules see what earlier ones changed.
        facts = _refresh(facts)
    RuleRun.objects.bulk_create(misses)
    return outcomes, follow_ups


def _refresh(facts: Facts) -> Facts:
    conversation, _message = _load(facts.conversation.pk)
    if conversation is None:
        return facts
    return Facts(conversation, facts.message, facts.at, facts.business_hours)


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
    rule: Rule, conversation: Conversation, trigger: str, event_key: str | None
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
    rule: Rule, index: int, spec: dict[str, object], conversation: Conversation, trigger: str
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
