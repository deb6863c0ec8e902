"""Messenger and Instagram inboxes and payloads for the tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from javob.accounts.models import Workspace
from javob.connectors.actions import do_add_inbox
from javob.connectors.meta.tests.graphserver import APP_SECRET, TOKEN
from javob.conversations.models import Inbox

PAYLOADS = Path(__file__).parent / "payloads"
PSID = "24683112200001"


def payload(name: str, **replace: str) -> bytes:
    text = (PAYLOADS / f"{name}.json").read_text()
    for key, value in replace.items():
        text = text.replace("{" + key + "}", value)
    return text.encode()


def meta_inbox(
    workspace: Workspace,
    kind: str = "messenger",
    graph_url: str = "http://127.0.0.1:9/v21.0",
    **options: str,
) -> Inbox:
    account = {"messenger": "PAGE-1", "instagram": "IG-1"}[kind]
    settings = {
        "account_id": account,
        "access_token": TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": "verify-me-42",
        "graph_url": graph_url,
        **options,
    }
    return do_add_inbox(workspace, kind, kind.title(), settings, [])


def messaging(kind: str, sender: str, timestamp_ms: int, **event: Any) -> bytes:
    """One messaging event of `sender`, in a body shaped like Meta's."""
    account = {"messenger": "PAGE-1", "instagram": "IG-1"}[kind]
    body = {
        "object": "page" if kind == "messenger" else "instagram",
        "entry": [
            {
                "id": account,
                "time": timestamp_ms,
                "messaging": [
                    {
                        "sender": {"id": sender},
                        "recipient": {"id": account},
                        "timestamp": timestamp_ms,
                        **event,
                    }
                ],
            }
        ],
    }
    return json.dumps(body).encode()
