#!/usr/bin/env python
"""Webhook acknowledgement of the X connector (Account Activity direct messages).

Plugs an X driver into the generic harness `bench/webhooks.py` (uvicorn with two workers, a
fresh database, signed deliveries over keep-alive connections; see that file) and keeps the
generic API channel as a baseline:

    bench/x_webhooks.py                        # x and api
    bench/x_webhooks.py --kind x --n 3000

Each delivery is a distinct Account Activity body with one direct message, signed with
`x-twitter-webhooks-signature` (base64 HMAC-SHA256 of the body with the consumer secret); the
acknowledgement covers the signature check on the raw bytes, the raw store under the body's
hash and queueing the parse task.
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

CONSUMER_SECRET = "bench-consumer-secret"  # noqa: S105 - the benchmark inbox's own
ACCOUNT = "4337869213"
TEXT = "Assalomu alaykum! Buyurtmam qayerda? 3 kun oldin to'lagan edim"


def _x_inbox(workspace: Any) -> Any:
    from javob.connectors.actions import do_add_inbox

    # Receive-only (no credentials to act as the account): adding it calls nothing at X.
    options = {"consumer_secret": CONSUMER_SECRET, "user_id": ACCOUNT}
    return do_add_inbox(workspace, "x", "Bench X", options, [])


def _x_dm(inbox: Any, i: int) -> Request:
    from javob.connectors.x.signing import hmac_sha256_b64

    sender = str(3_000_000_000 + i % 5000)
    event = {
        "type": "message_create",
        "id": str(1_900_000_000_000_000_000 + i),
        "created_timestamp": str(1763884800000 + i),
        "message_create": {
            "target": {"recipient_id": ACCOUNT},
            "sender_id": sender,
            "message_data": {
                "text": TEXT,
                "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
            },
        },
    }
    body = {
        "for_user_id": ACCOUNT,
        "direct_message_events": [event],
        "users": {
            sender: {"id": sender, "name": "Dilnoza", "screen_name": f"dilnoza{i % 5000}"},
            ACCOUNT: {"id": ACCOUNT, "name": "Javob", "screen_name": "javob_help"},
        },
    }
    raw = json.dumps(body).encode()
    headers = {
        "Content-Type": "application/json",
        "x-twitter-webhooks-signature": hmac_sha256_b64(CONSUMER_SECRET, raw),
    }
    return headers, raw


webhooks.DRIVERS["x"] = Driver("x", _x_inbox, _x_dm)
if __name__ == "__main__":
    # These kinds, and the generic API channel for comparison on the same machine
    # (bench/webhooks.py runs every kind).
    webhooks.main(("x", "api"))
