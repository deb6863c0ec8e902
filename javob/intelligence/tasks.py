"""Background work of the intelligence app. Tasks take ids and are idempotent."""

from __future__ import annotations

from django.tasks import task

from javob.intelligence.actions import do_train_intents


@task()
def train_intents(workspace_id: int) -> int:
    """Retrain a workspace's intent set if its examples changed; return its version."""
    return do_train_intents(workspace_id).version
