#!/usr/bin/env python
"""Webhook acknowledgement of the Meta connectors (WhatsApp, Messenger, Instagram).

Plugs drivers into the generic harness `bench/webhooks.py` (uvicorn with two workers, a fresh
database, signed deliveries over keep-alive connections; see that file) and runs it:

    bench/whatsapp_webhooks.py                     # whatsapp, messenger, instagram
    bench/whatsapp_webhooks.py --kind whatsapp --n 6000

Each delivery is a distinct body as Meta sends it, signed with X-Hub-Signature-256; the
acknowledgement covers the signature check on the raw bytes, the raw store under the body's
hash, and queueing the parse task.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import webhooks
from bench.webhooks import Driver, Request

APP_SECRET = "bench-app-secret"  # noqa: S105 - the benchmark inbox's own
META_KINDS = ("whatsapp", "messenger", "instagram")
TEXT = "Assalomu alaykum! Buyurtmam qayerda? 3 kun oldin to'lagan edim"


def _meta_inbox(kind: str, extra: dict[str, str]) -> Any:
    def create(workspace: Any) -> Any:
        from javob.connectors.actions import do_add_inbox

        options = {"access_token": "bench-token", "app_secret": APP_SECRET, **extra}
        return do_add_inbox(workspace, kind, f"Bench {kind}", options, [])

    return create


def _signed(body: dict[str, Any]) -> Request:
    from javob.connectors.meta.webhook import signature

    raw = json.dumps(body).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": signature(APP_SECRET, raw),
    }
    return headers, raw


def _whatsapp(inbox: Any, i: int) -> Request:
    wa_id = str(998_900_000_000 + i % 5000)
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "998712000000", "phone_number_id": "100000000000001"},
        "contacts": [{"profile": {"name": "Dilnoza"}, "wa_id": wa_id}],
        "messages": [
            {
                "from": wa_id,
                "id": f"wamid.bench{i}",
                "timestamp": str(1763884800 + i),
                "type": "text",
                "text": {"body": TEXT},
            }
        ],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }
    return _signed(body)


def _messaging(kind: str, account: str) -> Any:
    def build(inbox: Any, i: int) -> Request:
        event = {
            "sender": {"id": str(24_683_112_200_000 + i % 5000)},
            "recipient": {"id": account},
            "timestamp": 1763884800000 + i,
            "message": {"mid": f"m_bench{i}", "text": TEXT},
        }
        entry = {"id": account, "time": 1763884800000 + i, "messaging": [event]}
        return _signed({"object": "page" if kind == "messenger" else "instagram", "entry": [entry]})

    return build


webhooks.DRIVERS.update(
    {
        "whatsapp": Driver(
            "whatsapp", _meta_inbox("whatsapp", {"phone_number_id": "100000000000001"}), _whatsapp
        ),
        "messenger": Driver(
            "messenger",
            _meta_inbox("messenger", {"account_id": "PAGE-1"}),
            _messaging("messenger", "PAGE-1"),
        ),
        "instagram": Driver(
            "instagram",
            _meta_inbox("instagram", {"account_id": "IG-1"}),
            _messaging("instagram", "IG-1"),
        ),
    }
)
if __name__ == "__main__":
    # These kinds, and the generic API channel for comparison on the same machine
    # (bench/webhooks.py runs every kind).
    webhooks.main((*META_KINDS, "api"))
