"""Background work of routing."""

from __future__ import annotations

from django.tasks import task

from javob.core.tasks import enqueue_on_commit
from javob.routing.actions import on_availability_changed


@task()
def availability_changed(membership_id: int) -> int:
    return on_availability_changed(membership_id)


def notify_availability(membership_id: int) -> None:
    """Call after an agent's availability changed (in the same transaction or after it):
    the follow-up (unassign when offline) runs in a task after commit."""
    enqueue_on_commit(availability_changed, membership_id)
