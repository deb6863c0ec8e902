"""Fixtures of the X tests: the fake X API server, an inbox wired to it, signed webhooks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from javob.connectors.actions import do_add_inbox
from javob.connectors.x.signing import hmac_sha256_b64
from javob.connectors.x.tests.fake_x import (
    ACCESS_TOKEN,
    ACCESS_TOKEN_SECRET,
    BEARER_TOKEN,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    FakeX,
    fake_x,
)
from javob.conversations.models import Conversation, Inbox, Message

PAYLOADS = Path(__file__).parent / "payloads"
PUBLIC_URL = "https://javob.example.com"
DM_PATH = "/2/dm_conversations/with/3001969357/messages"
OAUTH1 = {
    "consumer_key": CONSUMER_KEY,
    "consumer_secret": CONSUMER_SECRET,
    "access_token": ACCESS_TOKEN,
    "access_token_secret": ACCESS_TOKEN_SECRET,
}


def payload(name: str) -> bytes:
    return (PAYLOADS / f"{name}.json").read_bytes()


def signed(body: bytes, secret: str = CONSUMER_SECRET) -> dict[str, str]:
    return {"x-twitter-webhooks-signature": hmac_sha256_b64(secret, body)}


def post_event(
    client: Client, inbox: Inbox, body: bytes | dict[str, Any], headers: dict[str, str] | None
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        f"/hooks/x/{inbox.pk}",
        data=raw,
        content_type="application/json",
        headers=signed(raw) if headers is None else headers,
    )


@pytest.fixture
def xapi(settings: Any) -> Iterator[FakeX]:
    with fake_x() as fake:
        settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1"]
        settings.JAVOB_PUBLIC_URL = PUBLIC_URL
        yield fake


def add_x_inbox(cast: Cast, fake: FakeX, **options: str) -> Inbox:
    given = {**OAUTH1, "bearer_token": BEARER_TOKEN, "api_url": fake.url, **options}
    return do_add_inbox(cast.a, "x", "X support", {k: v for k, v in given.items() if v}, [])


@pytest.fixture
def x_inbox(cast: Cast, xapi: FakeX) -> Inbox:
    """An inbox connected to the fake X; the calls that connected it are forgotten."""
    inbox = add_x_inbox(cast, xapi)
    xapi.calls.clear()
    return inbox


@pytest.fixture
def deliver(client: Client, on_commit: Callable[..., Any]) -> Callable[..., Any]:
    """Post a signed body and run what the webhook scheduled after commit (parsing)."""

    def run(
        inbox: Inbox, body: bytes | dict[str, Any], headers: dict[str, str] | None = None
    ) -> Any:
        with on_commit():
            return post_event(client, inbox, body, headers)

    return run


def conversation_of(inbox: Inbox, deliver: Any, name: str) -> Conversation:
    """The conversation the payload file `name` starts, delivered through the webhook."""
    deliver(inbox, payload(name))
    return Message.objects.select_related("conversation").latest("pk").conversation


@pytest.fixture
def dm(x_inbox: Inbox, deliver: Any) -> Conversation:
    return conversation_of(x_inbox, deliver, "dm_text")


@pytest.fixture
def public(x_inbox: Inbox, deliver: Any) -> Conversation:
    return conversation_of(x_inbox, deliver, "mention")
