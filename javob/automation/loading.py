"""What evaluating rules reads, in as few round trips as possible.

An event costs one statement when no rule matches: it reads the conversation with its
contact, its inbox's kind and name, the message, the label names and the workspace's rule
token (`RuleSet`). The enabled rules themselves are kept in memory per process and read
again (one statement, every event of the workspace) only when the token has changed, which
every rule write action does (`bump_rules`).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.db.models import Model

from javob.automation.conditions import BusinessHours, VersionedHours, business_hours_predicate
from javob.automation.models import Rule, RuleSet
from javob.contacts.models import Contact
from javob.conversations.models import Conversation, Inbox, Label, Message

INBOX_FIELDS = ("id", "workspace_id", "kind", "name")  # secrets and settings stay unread


@dataclass(frozen=True, slots=True)
class RuleRow:
    """An enabled rule as the engine runs it."""

    pk: int
    trigger: str
    match: str
    conditions: list[dict[str, object]]
    actions: list[dict[str, object]]
    stop_processing: bool
    log_misses: bool


@dataclass(frozen=True, slots=True)
class Loaded:
    conversation: Conversation
    message: Message | None
    labels: frozenset[str]
    token: str | None
    business_hours: BusinessHours  # with its data's version read in the same statement


def bump_rules(workspace_id: int) -> None:
    """Give the workspace's rules a new token: every process reloads them on its next event.

    Called by every rule write action, inside its transaction."""
    RuleSet.objects.bulk_create(
        [RuleSet(workspace_id=workspace_id, token=uuid.uuid4().hex)],
        update_conflicts=True,
        unique_fields=["workspace"],
        update_fields=["token"],
    )


# --- the one statement ---------------------------------------------------------------------


Converter = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Columns:
    model: type[Model]
    attnames: tuple[str, ...]
    select: str
    converters: tuple[tuple[int, Converter], ...]

    def build(self, values: Sequence[Any]) -> Model:
        row = list(values)
        for index, convert in self.converters:
            row[index] = convert(row[index])
        return self.model.from_db(connection.alias, list(self.attnames), row)


@cache
def _columns(model: type[Model], alias: str, names: tuple[str, ...] | None = None) -> _Columns:
    """The model's columns under `alias`, with the converters the ORM would apply."""
    fields = [f for f in model._meta.concrete_fields if names is None or f.attname in names]
    q = connection.ops.quote_name
    converters: list[tuple[int, Converter]] = []
    for index, field in enumerate(fields):
        column = field.get_col(alias)
        chain = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if chain:
            converters.append((index, _chained(chain, column)))
    return _Columns(
        model,
        tuple(f.attname for f in fields),
        ", ".join(f"{alias}.{q(str(f.column))}" for f in fields),
        tuple(converters),
    )


def _chained(chain: list[Any], column: Any) -> Converter:
    def convert(value: Any) -> Any:
        for converter in chain:
            value = converter(value, column, connection)
        return value

    return convert


@cache
def _statement(vendor: str, hours_sql: str | None) -> str:
    q = connection.ops.quote_name
    through = q(Conversation.labels.through._meta.db_table)
    label_names = (
        f"SELECT l.{q('name')} FROM {q(Label._meta.db_table)} l JOIN {through} t "  # noqa: S608
        f"ON t.{q('label_id')} = l.{q('id')} WHERE t.{q('conversation_id')} = c.{q('id')}"
    )
    labels = (
        f"ARRAY({label_names})"
        if vendor == "postgresql"
        else f"(SELECT json_group_array({q('name')}) FROM ({label_names}))"  # noqa: S608
    )
    parts = [_columns(Conversation, "c"), _columns(Contact, "p"), _inbox(), _columns(Message, "m")]
    hours = f", ({hours_sql})" if hours_sql else ""
    return (
        f"SELECT {', '.join(part.select for part in parts)}, r.{q('token')}, {labels}{hours} "  # noqa: S608 - fixed names
        f"FROM {q(Conversation._meta.db_table)} c "
        f"JOIN {q(Contact._meta.db_table)} p ON p.{q('id')} = c.{q('contact_id')} "
        f"JOIN {q(Inbox._meta.db_table)} i ON i.{q('id')} = c.{q('inbox_id')} "
        f"LEFT JOIN {q(Message._meta.db_table)} m "
        f"ON m.{q('id')} = %s AND m.{q('conversation_id')} = c.{q('id')} "
        f"LEFT JOIN {q(RuleSet._meta.db_table)} r ON r.{q('workspace_id')} = c.{q('workspace_id')} "
        f"WHERE c.{q('id')} = %s"
    )


def _inbox() -> _Columns:
    return _columns(Inbox, "i", INBOX_FIELDS)


@cache
def _business_hours(
    path: str, alias: str
) -> tuple[BusinessHours, VersionedHours | None, str | None]:
    """The predicate, itself again when its data has a version, and the sub-select of it."""
    predicate = business_hours_predicate()
    if not isinstance(predicate, VersionedHours):
        return predicate, None, None
    return (
        predicate,
        predicate,
        predicate.token_sql(f"c.{connection.ops.quote_name('workspace_id')}"),
    )


def load(conversation_id: int, message_id: int | None = None) -> Loaded | None:
    """The conversation (with contact and inbox), the message if it belongs to it, the
    conversation's label names in lower case, the workspace's rule token, and the
    business-hours predicate (given the version of its data when it has one)."""
    predicate, versioned, hours_sql = _business_hours(
        getattr(settings, "JAVOB_AUTOMATION_BUSINESS_HOURS", ""), connection.alias
    )
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection.vendor, hours_sql), [message_id, conversation_id])
        row = cursor.fetchone()
    if row is None:
        return None
    parts = (_columns(Conversation, "c"), _columns(Contact, "p"), _inbox(), _columns(Message, "m"))
    values: list[Sequence[Any]] = []
    start = 0
    for part in parts:
        values.append(row[start : start + len(part.attnames)])
        start += len(part.attnames)
    token, labels = row[start], row[start + 1]
    conversation = cast(Conversation, parts[0].build(values[0]))
    conversation.contact = cast(Contact, parts[1].build(values[1]))
    conversation.inbox = cast(Inbox, parts[2].build(values[2]))
    message = None
    if values[3][0] is not None:  # the message's id: it exists and is this conversation's
        message = cast(Message, parts[3].build(values[3]))
        message.conversation = conversation
    names = json.loads(labels) if isinstance(labels, str) else (labels or [])
    return Loaded(
        conversation,
        message,
        frozenset(str(name).lower() for name in names if name is not None),
        token,
        versioned.with_token(row[start + 2]) if versioned else predicate,
    )


# --- the rules of each workspace, per process ------------------------------------------------

_rules: dict[int, tuple[str | None, dict[str, list[RuleRow]]]] = {}
_lock = threading.Lock()


def rules_of(workspace_id: int, token: str | None, trigger: str) -> list[RuleRow]:
    """The enabled rules of `trigger` in the workspace, in order (from memory while `token`
    is the one they were read with)."""
    cached = _rules.get(workspace_id)
    if cached is None or cached[0] != token:
        cached = (token, _read_rules(workspace_id))
        with _lock:
            _rules[workspace_id] = cached
    return cached[1].get(trigger, [])


def forget_rules() -> None:
    """Drop every workspace's rules from memory (tests that roll back their writes)."""
    with _lock:
        _rules.clear()


def _read_rules(workspace_id: int) -> dict[str, list[RuleRow]]:
    q = connection.ops.quote_name
    columns = ("id", "trigger", "match", "conditions", "actions", "stop_processing", "log_misses")
    sql = (
        f"SELECT {', '.join(q(c) for c in columns)} FROM {q(Rule._meta.db_table)} "  # noqa: S608
        f"WHERE {q('workspace_id')} = %s AND {q('enabled')} "
        f"ORDER BY {q('trigger')}, {q('position')}, {q('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace_id])
        rows = cursor.fetchall()
    by_trigger: dict[str, list[RuleRow]] = {}
    for pk, trigger, match, conditions, actions, stop, log_misses in rows:
        by_trigger.setdefault(trigger, []).append(
            RuleRow(
                pk, trigger, match, _json(conditions), _json(actions), bool(stop), bool(log_misses)
            )
        )
    return by_trigger


def _json(value: object) -> list[dict[str, object]]:
    # SQLite returns JSON columns as text; psycopg decodes jsonb itself.
    decoded = json.loads(value) if isinstance(value, str | bytes) else value
    return decoded if isinstance(decoded, list) else []
