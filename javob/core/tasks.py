"""Enqueueing tasks so that they run only on committed data, and are never lost."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.tasks import Task
from django_tasks_db.backend import DatabaseBackend


def enqueue_on_commit(task: Task[..., Any], *args: Any) -> None:
    """Enqueue `task` so that it sees what the current transaction writes.

    With the database engine the task row is written inside the transaction: it commits
    with the data or not at all, so a crash right after commit cannot lose it, and it saves
    a second commit. Other engines (Redis) enqueue after commit, so a worker never runs
    before the data exists.
    """
    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))
