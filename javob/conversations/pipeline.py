"""What runs after a customer message is stored, in order, as dotted paths imported lazily.

Each step is a function `step(message_id: int) -> None` that reads what it needs, writes through
its own app's actions and is idempotent: the whole pipeline may run again after a crash. The
order matters: enrichment first (language and sentiment feed the conditions below), then SLA
timers, automation rules, and routing last, so rules can assign or close before the router
picks an agent. A step that fails is logged and the later steps still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from importlib import import_module

logger = logging.getLogger(__name__)

AFTER_RECEIVE: tuple[str, ...] = (
    "javob.connectors.meta.media.queue_downloads",
    "javob.intelligence.steps.enrich",
    "javob.connectors.webchat.bots.answer_first",
    "javob.sla.steps.after_receive",
    "javob.sla.autoack.auto_acknowledge",
    "javob.automation.steps.after_receive",
    "javob.routing.steps.after_receive",
)


@cache
def _step(path: str) -> Callable[[int], None]:
    module_name, _dot, name = path.rpartition(".")
    step: Callable[[int], None] = getattr(import_module(module_name), name)
    return step


def run_after_receive(message_id: int, steps: tuple[str, ...] | None = None) -> list[str]:
    """Run every step for one message; return the paths of the steps that failed."""
    failed = []
    for path in AFTER_RECEIVE if steps is None else steps:
        try:
            _step(path)(message_id)
        except Exception:
            logger.exception("after_receive step %s failed for message %s", path, message_id)
            failed.append(path)
    return failed
