"""Other apps' reactions to timeline rows, as dotted paths imported lazily (like pipeline.py).

`events.append()` calls `after_event()` for every row it writes, inside the writer's
transaction, so a reaction (an SLA timer met by a reply, paused by "pending") commits with
the change or not at all. Each hook runs in a savepoint: one that fails is logged and rolled
back alone, and never undoes the agent's change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from importlib import import_module

from django.db import transaction

from javob.conversations.models import Event

logger = logging.getLogger(__name__)

AFTER_EVENT: dict[str, tuple[str, ...]] = {
    "message_out": ("javob.sla.steps.on_event",),
    "status": ("javob.sla.steps.on_event", "javob.automation.engine.on_timeline_event"),
    "assigned": ("javob.automation.engine.on_timeline_event",),
    "priority": ("javob.sla.steps.on_event",),
    "team": ("javob.sla.steps.on_event",),
    "labels": ("javob.sla.steps.on_event",),
}


@cache
def _hook(path: str) -> Callable[[Event], None]:
    module_name, _dot, name = path.rpartition(".")
    hook: Callable[[Event], None] = getattr(import_module(module_name), name)
    return hook


def after_event(event: Event) -> None:
    for path in AFTER_EVENT.get(event.kind, ()):
        try:
            with transaction.atomic():
                _hook(path)(event)
        except Exception:
            logger.exception("hook %s failed for event %s", path, event.pk)
