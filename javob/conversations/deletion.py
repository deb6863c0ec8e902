"""Deleting conversations, safe against the writers that append timeline rows.

The database does not check `conversations_event.conversation_id` (the SLA sweeper writes
100,000 timeline rows at once after downtime, and the check cost a fifth of that catch-up).
So every path that deletes conversations goes through `delete_conversations`, which makes
sure no timeline row can be written for a conversation it removes:

1. lock the conversation rows (`SELECT ... FOR UPDATE`): agents' actions, which lock or
   reference the conversation row, wait until the delete has committed, then find nothing;
2. lock the rows the other apps' writers claim (`BEFORE_DELETE`: the SLA timers, which the
   sweeper claims with `FOR UPDATE SKIP LOCKED`): waits for a sweep batch holding one to
   commit its timeline rows, and every later batch skips them;
3. delete the timeline rows by conversation id — a new statement, so it sees the rows of the
   batches that committed meanwhile;
4. delete the conversations and what hangs on them (Django's collector).

All in one transaction (the caller's, or one opened here). On SQLite, where writers are
serialized by the database lock, the row locks are no-ops and the order still holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from importlib import import_module

from django.db import connection, transaction

from javob.conversations.models import Conversation, Event

# Each is called as hook(conversation_ids) after the conversations are locked.
BEFORE_DELETE: tuple[str, ...] = ("javob.sla.sweep.lock_for_delete",)


@cache
def _hook(path: str) -> Callable[[list[int]], None]:
    module_name, _dot, name = path.rpartition(".")
    hook: Callable[[list[int]], None] = getattr(import_module(module_name), name)
    return hook


def delete_conversations(conversation_ids: Iterable[int]) -> int:
    """Delete the conversations (and their messages, timeline, timers, ...); how many were."""
    ids = sorted(set(conversation_ids))  # one lock order for every deleter: no deadlock
    if not ids:
        return 0
    with transaction.atomic():
        locked = list(
            Conversation.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for path in BEFORE_DELETE:
            _hook(path)(locked)
        _delete_events(locked)
        deleted, _by_model = Conversation.objects.filter(pk__in=locked).delete()
        return len(locked) if deleted else 0


def _delete_events(conversation_ids: list[int]) -> None:
    # Raw SQL: the collector would load every timeline row to delete it.
    table = Event._meta.db_table
    for start in range(0, len(conversation_ids), 5000):
        chunk = conversation_ids[start : start + 5000]
        placeholders = ", ".join(["%s"] * len(chunk))
        sql = f"DELETE FROM {table} WHERE conversation_id IN ({placeholders})"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, chunk)
