"""The demo plan: pure Python, no database."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from javob.demo.plan import (
    Incoming,
    Reply,
    build_plan,
    customer_text,
    gendered,
    official_uzbek,
    step_times,
)

NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)


def test_customers_type_their_own_apostrophe_and_agents_the_official_one() -> None:
    assert customer_text("to'lov bo'ldi, ma'lumot", "‘") == "to‘lov bo‘ldi, ma‘lumot"
    assert customer_text("to'lov bo'ldi", "") == "tolov boldi"
    assert official_uzbek("to'lov 349 000 so'm, ma'lumot") == "toʻlov 349 000 soʻm, maʼlumot"


def test_russian_customers_write_in_their_own_gender() -> None:
    assert gendered("Оплатил[|а] Uzcard, жду", feminine=True) == "Оплатила Uzcard, жду"
    assert gendered("Оплатил[|а] Uzcard, жду", feminine=False) == "Оплатил Uzcard, жду"


def test_plan_spreads_conversations_over_the_last_90_days_and_ends_before_now() -> None:
    plans = build_plan(300, NOW)
    starts = [plan.start for plan in plans]
    assert len(plans) == 300
    assert starts == sorted(starts)
    assert NOW - dt.timedelta(days=90) < starts[0] < NOW - dt.timedelta(days=88)
    assert all(plan.end < NOW for plan in plans)
    assert Counter(plan.status for plan in plans).keys() == {
        "open", "pending", "snoozed", "resolved", "closed",
    }  # fmt: skip


def test_plan_steps_are_in_time_order_and_filled_in() -> None:
    for plan in build_plan(60, NOW):
        times = [step.at for step in plan.steps]
        assert times == sorted(times), plan.index
        assert max(step_times(plan.steps)) == max(times + step_times(plan.steps))
        texts = [step.text for step in plan.steps if isinstance(step, Incoming | Reply)]
        assert all(text and "{" not in text and "[|" not in text for text in texts), plan.index


def test_plan_is_repeatable() -> None:
    first = build_plan(50, NOW)
    second = build_plan(50, NOW)
    assert [p.steps for p in first] == [p.steps for p in second]
    assert [p.person for p in first] == [p.person for p in second]
