"""Evaluating a rule's conditions against one conversation (and the message that triggered it).

Everything a condition reads is loaded once into `Facts`; evaluating fifty rules is then
plain Python. Sentiment and intent are read from the message with getattr, so conditions on
them work once the enrichment step has stored them on the message (a connector may also give
them in `metadata["sentiment"]` / `metadata["intent"]`), and are simply false before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

from javob.automation import safe_regex
from javob.automation.syntax import Spec
from javob.conversations.models import Conversation, Label, Message

BusinessHours = Callable[[Conversation, dt.datetime], bool]


@runtime_checkable
class VersionedHours(Protocol):
    """A business-hours predicate whose data has a version the rules' statement can read.

    `token_sql(workspace_column)` is a scalar sub-select of that version for the workspace
    in `workspace_column`; `with_token(token)` is the predicate that trusts `token` instead of
    reading it again (e.g. `javob.sla.queries.open_now`)."""

    def __call__(self, conversation: Conversation, at: dt.datetime, /) -> bool: ...

    def token_sql(self, workspace_column: str) -> str: ...

    def with_token(self, token: str | None) -> BusinessHours: ...


def always_open(conversation: Conversation, at: dt.datetime) -> bool:
    return True


def business_hours_predicate() -> BusinessHours:
    """The "business hours now" predicate: JAVOB_AUTOMATION_BUSINESS_HOURS (a dotted path to
    a function `(conversation, at) -> bool`), else always open."""
    path = getattr(settings, "JAVOB_AUTOMATION_BUSINESS_HOURS", "")
    if not path:
        return always_open
    predicate: BusinessHours = import_string(path)
    return predicate


@dataclass
class Facts:
    conversation: Conversation
    message: Message | None
    at: dt.datetime
    business_hours: BusinessHours = field(default=always_open)
    known_labels: frozenset[str] | None = None  # read with the conversation, when it was

    @cached_property
    def labels(self) -> frozenset[str]:
        if self.known_labels is not None:
            return self.known_labels
        return frozenset(label_names(self.conversation.pk))

    @cached_property
    def is_open(self) -> bool:
        return self.business_hours(self.conversation, self.at)

    def value(self, name: str) -> Any:
        conversation = self.conversation
        simple = {
            "status": conversation.status,
            "priority": conversation.priority,
            "channel": conversation.inbox.kind,
            "language": conversation.language,
            "inbox": conversation.inbox_id,
            "team": conversation.team_id,
            "assignee": conversation.assignee_id,
        }
        if name in simple:
            return simple[name]
        if name.startswith("message."):
            return _message_value(self.message, name.removeprefix("message."))
        return _contact_value(conversation, name.removeprefix("contact."))


def label_names(conversation_id: int) -> set[str]:
    """The conversation's label names in lower case, in one hand-written statement (rules
    read them for most messages; the ORM's query building costs more than the query)."""
    q = connection.ops.quote_name
    through = Conversation.labels.through._meta.db_table
    sql = (
        f"SELECT l.{q('name')} FROM {q(Label._meta.db_table)} l "  # noqa: S608
        f"JOIN {q(through)} t ON t.{q('label_id')} = l.{q('id')} "
        f"WHERE t.{q('conversation_id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [conversation_id])
        return {str(name).lower() for (name,) in cursor.fetchall()}


def _message_value(message: Message | None, name: str) -> Any:
    if message is None:
        return None
    if name == "text":
        return message.text
    value = getattr(message, name, None)
    if value in (None, ""):  # not enriched (yet): a connector may have said it
        value = (message.metadata or {}).get(name)
    if isinstance(value, dict):  # {"label": "negative", "score": 0.9}
        value = value.get("label")
    return value


def _contact_value(conversation: Conversation, name: str) -> Any:
    contact = conversation.contact
    if name in ("name", "locale", "country", "time_zone"):
        return getattr(contact, name)
    return (contact.custom_attributes or {}).get(name)


def holds(condition: Spec, facts: Facts) -> bool:
    name, op, expected = condition["field"], condition["op"], condition["value"]
    if name == "labels":
        present = str(expected).lower() in facts.labels
        return present if op == "contains" else not present
    if name == "business_hours":
        return facts.is_open is bool(expected)
    actual = facts.value(name)
    return _compare(op, actual, expected)


def _compare(op: str, actual: Any, expected: Any) -> bool:
    if op == "is_set":
        return actual not in (None, "")
    if op == "is_not_set":
        return actual in (None, "")
    if actual is None:
        return op in ("is_not", "not_contains")
    if op == "matches":
        return safe_regex.search(expected, str(actual))
    text = str(actual).lower()
    if op == "contains":
        return str(expected).lower() in text
    if op == "not_contains":
        return str(expected).lower() not in text
    if op == "in":
        return text in {str(item).lower() for item in expected}
    same = text == str(expected).lower()
    return same if op == "is" else not same


def all_hold(conditions: list[Spec], match: str, facts: Facts) -> bool:
    """True when every condition (match "all") or at least one ("any") holds; no conditions
    means the rule always matches."""
    if not conditions:
        return True
    if match == "any":
        return any(holds(condition, facts) for condition in conditions)
    return all(holds(condition, facts) for condition in conditions)
