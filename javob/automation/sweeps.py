"""The scheduler's sweeps (`core.scheduler.SWEEPS`): the "no reply for N hours" trigger, and
the run log's retention.

A conversation qualifies when it is open and its customer's last message has waited at
least N hours with nothing sent since. Each waiting period runs a rule once: every
evaluation is logged (matched or not) and conversations with a run since their last
customer message are skipped, so the sweep stays cheap and is correct after any downtime.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from javob.automation.engine import on_event
from javob.automation.models import Rule, RuleRun, Trigger
from javob.conversations.models import Conversation, Status

BATCH = 500


def no_reply_sweep(now: dt.datetime | None = None) -> int:
    """Run due "no reply" rules; return how many conversations were evaluated."""
    now = now or timezone.now()
    evaluated = 0
    rules = Rule.objects.filter(trigger=Trigger.NO_REPLY, enabled=True, hours__gt=0)
    for rule in rules.order_by("workspace_id", "position", "id"):
        for pk, since in _due(rule, now):
            on_event(
                Trigger.NO_REPLY,
                pk,
                event_key=f"no_reply:{since.isoformat()}",
                rule_ids=(rule.pk,),
            )
            evaluated += 1
    return evaluated


def _due(rule: Rule, now: dt.datetime) -> list[tuple[int, dt.datetime]]:
    already = RuleRun.objects.filter(
        rule=rule, conversation=OuterRef("pk"), created_at__gte=OuterRef("last_incoming_at")
    )
    query = (
        Conversation.objects.filter(
            workspace_id=rule.workspace_id,
            status=Status.OPEN,
            merged_into__isnull=True,
            last_incoming_at__lte=now - dt.timedelta(hours=rule.hours),
            last_activity_at__lte=F("last_incoming_at"),
        )
        .exclude(Exists(already))
        .order_by("last_incoming_at", "id")
        .values_list("pk", "last_incoming_at")
    )
    return [(pk, since) for pk, since in query[:BATCH] if since is not None]


RUN_LOG_DAYS = 90  # at least the longest "no reply" wait, so a pruned run never re-fires


def prune_rule_runs(now: dt.datetime | None = None) -> int:
    """Delete run-log rows older than RUN_LOG_DAYS, a batch per sweep."""
    now = now or timezone.now()
    old = RuleRun.objects.filter(created_at__lt=now - dt.timedelta(days=RUN_LOG_DAYS))
    ids = list(old.order_by("id").values_list("pk", flat=True)[:BATCH])
    if not ids:
        return 0
    deleted, _by_model = RuleRun.objects.filter(pk__in=ids).delete()
    return deleted
