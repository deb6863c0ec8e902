"""WhatsApp inboxes and webhook deliveries for the tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.test import Client

from javob.accounts.models import Workspace
from javob.connectors.actions import do_add_inbox
from javob.connectors.meta.tests.graphserver import APP_SECRET, TOKEN, meta_signature
from javob.conversations.models import Inbox

PAYLOADS = Path(__file__).parent / "payloads"
PHONE_NUMBER_ID = "1122334455667"
CUSTOMER = "+972987654321"


def payload(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


def payload_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(payload(name))
    return data


def whatsapp_inbox(workspace: Workspace, graph_url: str = "http://127.0.0.1:9/v21.0") -> Inbox:
    return do_add_inbox(
        workspace,
        "whatsapp",
        "WhatsApp",
        {
            "phone_number_id": PHONE_NUMBER_ID,
            "waba_id": "102290129340398",
            "access_token": TOKEN,
            "app_secret": APP_SECRET,
            "verify_token": "verify-me-42",
            "graph_url": graph_url,
        },
        [],
    )


def post_hook(
    client: Client, inbox: Inbox, body: bytes | dict[str, Any], *, secret: str = APP_SECRET
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        f"/hooks/{inbox.kind}/{inbox.pk}",
        data=raw,
        content_type="application/json",
        headers={"X-Hub-Signature-256": meta_signature(secret, raw)},
    )


def wa_message(
    message: dict[str, Any], *, name: str = "Dilnoza", wa_id: str = "998901234567"
) -> dict[str, Any]:
    """A webhook body carrying one message from `wa_id`, shaped like Meta's."""
    return wa_value(
        {"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [message]}
    )


def wa_value(value: dict[str, Any], phone_number_id: str = PHONE_NUMBER_ID) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": phone_number_id,
                            },
                            **value,
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def wa_status(message_id: str, status: str, timestamp: int, **extra: Any) -> dict[str, Any]:
    return wa_value(
        {
            "statuses": [
                {
                    "id": message_id,
                    "status": status,
                    "timestamp": str(timestamp),
                    "recipient_id": CUSTOMER.lstrip("+"),
                    **extra,
                }
            ]
        }
    )
