#!/usr/bin/env python
"""Rule evaluation per message with 50 rules (target < 2 ms).

Seeds a workspace with 50 enabled "message received" rules whose conditions mix what admins
write (status, priority, channel, language, labels, contact attributes, text contains, a
regular expression, sentiment, business hours), and 1,000 conversations of customers. Then
times `automation.engine.on_event("message_received", ...)` for one message at a time, as the
pipeline step calls it:

- "no rule matches": load the conversation, the message and the 50 rules, evaluate every
  condition (the common case: most messages trigger nothing);
- "one rule matches": the same, and one rule adds a label through the conversation actions
  (the write, its event and the run log row included);
- "conditions only": the 50 rules' conditions evaluated in memory on loaded facts.

Prints p50/p95 in milliseconds, of wall-clock time and of the process's CPU time. SQLite
by default; PostgreSQL when DATABASE_URL=postgres://.../javob_bench (dropped and recreated).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_version, fresh_database, percentile, print_table, setup_django

RULES = 50
CONVERSATIONS = 1000

CONDITIONS = [
    "message.text contains refund",
    "message.text contains qaytarish",
    r"message.text matches ^order\s+#?\d{5,}",
    "status in pending, snoozed",
    "priority is urgent",
    "channel is telegram",
    "language is ru",
    "labels contains vip",
    "contact.tier is platinum",
    "contact.country is KZ",
    "message.sentiment is negative",
    "business_hours is no",
]


def parse_args() -> Any:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def seed(rng: random.Random) -> tuple[Any, list[int], list[int]]:
    from javob.accounts.actions import AgentInput, do_add_agent, do_create_workspace
    from javob.accounts.models import Role
    from javob.automation.actions import RuleInput, check_save_rule
    from javob.connectors.actions import do_add_inbox
    from javob.conversations.actions import receive_message
    from javob.core.types import Identity, InboundMessage

    workspace, _owner = do_create_workspace("Bench", "owner@bench.example")
    admin = do_add_agent(workspace, AgentInput(email="admin@bench.example", role=Role.ADMIN))
    inbox = do_add_inbox(workspace, "api", "API", {"webhook_url": "https://example.com/h"}, [])
    for index in range(RULES):
        # Two or three conditions each, "all" or "any"; none holds for the bench messages.
        picked = rng.sample(CONDITIONS, rng.randint(2, 3))
        check_save_rule(
            admin,
            RuleInput(
                name=f"Rule {index}",
                trigger="message_received",
                conditions_text="\n".join(picked),
                match=rng.choice(["all", "any"]),
                actions_text="labels_add rule-" + str(index),
            ),
        )
    texts = [
        "Salom, buyurtmam qayerda?",
        "Hello, where is my parcel?",
        "Здравствуйте, когда доставка?",
    ]
    conversations, messages = [], []
    for index in range(CONVERSATIONS):
        message = receive_message(
            InboundMessage(
                inbox_id=inbox.pk,
                sender=Identity("api", f"customer-{index}"),
                external_id=f"m-{index}",
                text=rng.choice(texts) * rng.randint(1, 20),
                sender_name=f"Customer {index}",
            )
        ).message
        conversations.append(message.conversation_id)
        messages.append(message.pk)
    return admin, conversations, messages


Times = tuple[list[float], list[float]]


def timed(runs: int, call: Callable[[int], object]) -> Times:
    """Wall-clock and CPU time of each call. On a shared, loaded machine the wall clock
    mostly measures waiting for a CPU; the process's CPU time is the work itself."""
    wall, cpu = [], []
    for index in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        call(index)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def row(name: str, times: Times) -> list[object]:
    wall, cpu = times
    cells = [f"{percentile(values, q) * 1000:.2f}" for values in (wall, cpu) for q in (0.5, 0.95)]
    return [name, len(wall), *cells]


def statements_of_one_event(conversation_id: int, message_id: int) -> None:
    """Print the statements one "no rule matches" event sends (rules already in memory)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from javob.automation.engine import on_event

    with CaptureQueriesContext(connection) as captured:
        on_event("message_received", conversation_id, message_id=message_id)
    print(f"statements for one event where no rule matches: {len(captured.captured_queries)}")
    for query in captured.captured_queries:
        print(f"  {query['sql'][:110]}")
    print()


def measure(
    args: Any, admin: Any, conversations: list[int], messages: list[int]
) -> list[list[object]]:
    from django.utils import timezone

    from javob.automation.actions import RuleInput, check_save_rule
    from javob.automation.conditions import Facts, all_hold, always_open
    from javob.automation.engine import on_event
    from javob.automation.models import Rule, RuleRun
    from javob.conversations.models import Conversation, Message

    runs = min(args.runs, len(messages))

    def event(index: int) -> object:
        outcomes = on_event("message_received", conversations[index], message_id=messages[index])
        if any(outcome.matched for outcome in outcomes):
            raise SystemExit("a bench message matched a rule; the seed is wrong")
        return outcomes

    rows = [row("no rule matches (50 rules)", timed(runs, event))]
    statements_of_one_event(conversations[0], messages[0])

    rules = list(Rule.objects.filter(trigger="message_received").order_by("position", "id"))
    facts = [
        Facts(
            Conversation.objects.select_related("contact", "inbox").get(pk=conversations[i]),
            Message.objects.get(pk=messages[i]),
            timezone.now(),
            always_open,
        )
        for i in range(runs)
    ]
    for item in facts:
        _ = item.labels  # loaded once per message in the engine too

    def conditions_only(index: int) -> object:
        return [all_hold(rule.conditions, rule.match, facts[index]) for rule in rules]

    rows.append(row("conditions only, in memory (50 rules)", timed(runs, conditions_only)))

    check_save_rule(
        admin,
        RuleInput(
            name="Catch all",
            trigger="message_received",
            conditions_text="status is open",
            actions_text="labels_add seen",
        ),
    )

    def matching(index: int) -> object:
        return on_event(
            "message_received",
            conversations[index],
            message_id=messages[index],
            event_key=f"bench:{index}",
        )

    rows.append(row("one of 51 rules matches and adds a label", timed(runs, matching)))
    if RuleRun.objects.filter(matched=True).count() != runs:
        raise SystemExit("the matching rule did not run once per message")
    return rows


def main() -> None:
    args = parse_args()
    database = fresh_database("rules")
    try:
        setup_django(database)
        rng = random.Random(args.seed)
        started = time.perf_counter()
        admin, conversations, messages = seed(rng)
        seeded = time.perf_counter() - started
        print(f"{database_version()}; {RULES} rules, {CONVERSATIONS} conversations "
              f"(seeded in {seeded:.1f} s)\n")  # fmt: skip
        rows = measure(args, admin, conversations, messages)
        headers = ["case", "runs", "wall p50 ms", "wall p95 ms", "CPU p50 ms", "CPU p95 ms"]
        print_table(headers, rows)
        print(f"\nload average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        database.cleanup()


if __name__ == "__main__":
    main()
