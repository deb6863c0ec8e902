"""Fixtures of the Telegram tests: the fake Bot API server, an inbox wired to it, updates."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from javob.connectors.actions import do_add_inbox
from javob.connectors.telegram.tests.fake_telegram import TOKEN, FakeTelegram, fake_telegram
from javob.conversations.models import Inbox

PAYLOADS = Path(__file__).parent / "payloads"
PUBLIC_URL = "https://javob.example.com"


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return data


def secret_of(inbox: Inbox) -> str:
    return str(Inbox.objects.get(pk=inbox.pk).secrets["webhook_secret"])


def post_update(
    client: Client, inbox: Inbox, update: dict[str, Any] | bytes, secret: str | None = None
) -> Any:
    """POST an update to the inbox's webhook as Telegram does, with the secret token header."""
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    headers = (
        {} if secret == "" else {"X-Telegram-Bot-Api-Secret-Token": secret or secret_of(inbox)}
    )
    return client.post(
        f"/hooks/telegram/{inbox.pk}", data=body, content_type="application/json", headers=headers
    )


@pytest.fixture
def telegram(settings: Any) -> Iterator[FakeTelegram]:
    with fake_telegram() as fake:
        settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1"]
        settings.JAVOB_PUBLIC_URL = PUBLIC_URL
        yield fake


def add_telegram_inbox(cast: Cast, fake: FakeTelegram, **options: str) -> Inbox:
    return do_add_inbox(
        cast.a, "telegram", "Telegram bot", {"bot_token": TOKEN, "api_url": fake.url, **options}, []
    )


@pytest.fixture
def tg_inbox(cast: Cast, telegram: FakeTelegram) -> Inbox:
    return add_telegram_inbox(cast, telegram)


@pytest.fixture
def deliver(client: Client, on_commit: Callable[..., Any]) -> Callable[..., Any]:
    """Post an update and run what the webhook scheduled after commit (parsing, media)."""

    def run(inbox: Inbox, update: dict[str, Any], secret: str | None = None) -> Any:
        with on_commit():
            return post_update(client, inbox, update, secret)

    return run
