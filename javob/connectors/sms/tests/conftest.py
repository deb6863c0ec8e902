"""Fixtures of the SMS tests: the fake providers, inboxes wired to them, signed webhooks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from conftest import Cast
from javob.connectors.actions import do_add_inbox, webhook_url
from javob.connectors.sms.tests.fakes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    ESKIZ_EMAIL,
    ESKIZ_PASSWORD,
    FROM,
    PM_PASSWORD,
    PM_USER,
    FakeGateway,
    FakeTwilio,
    fake_gateway,
    fake_twilio,
)
from javob.connectors.sms.twilio import signature
from javob.conversations.models import Inbox

PUBLIC_URL = "https://javob.example.com"


@pytest.fixture
def twilio(settings: Any) -> Iterator[FakeTwilio]:
    with fake_twilio() as fake:
        settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1", "localhost", "::1"]
        settings.JAVOB_PUBLIC_URL = PUBLIC_URL
        yield fake


@pytest.fixture
def gateway(settings: Any) -> Iterator[FakeGateway]:
    with fake_gateway() as fake:
        settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1"]
        settings.JAVOB_PUBLIC_URL = PUBLIC_URL
        yield fake


def add_twilio_inbox(cast: Cast, fake: FakeTwilio, **options: str) -> Inbox:
    values = {
        "provider": "twilio",
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "from_number": FROM,
        "api_url": fake.url,
        **options,
    }
    return do_add_inbox(cast.a, "sms", "SMS", values, [])


@pytest.fixture
def tw_inbox(cast: Cast, twilio: FakeTwilio) -> Inbox:
    return add_twilio_inbox(cast, twilio)


def add_eskiz_inbox(cast: Cast, fake: FakeGateway, **options: str) -> Inbox:
    values = {
        "provider": "gateway",
        "preset": "eskiz",
        "send_url": f"{fake.url}/api/message/sms/send",
        "login_url": f"{fake.url}/api/auth/login",
        "username": ESKIZ_EMAIL,
        "password": ESKIZ_PASSWORD,
        "sender": "4546",
        **options,
    }
    return do_add_inbox(cast.a, "sms", "Eskiz", values, [])


def add_playmobile_inbox(cast: Cast, fake: FakeGateway, **options: str) -> Inbox:
    values = {
        "provider": "gateway",
        "preset": "playmobile",
        "send_url": f"{fake.url}/broker-api/send",
        "username": PM_USER,
        "password": PM_PASSWORD,
        "sender": "3700",
        "in_from_field": "msisdn",
        "in_to_field": "short-number",
        "in_text_field": "text",
        "in_id_field": "message-id",
        **options,
    }
    return do_add_inbox(cast.a, "sms", "Play Mobile", values, [])


def post_twilio(
    client: Client,
    inbox: Inbox,
    params: dict[str, str],
    *,
    token: str = AUTH_TOKEN,
    url: str | None = None,
    sign: bool = True,
) -> Any:
    """POST a webhook as Twilio does: a form, signed over the public URL and the parameters."""
    signed = url or webhook_url(inbox)
    headers = {"X-Twilio-Signature": signature(token, signed, params.items())} if sign else {}
    return client.post(
        f"/hooks/sms/{inbox.pk}",
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def inbound_secret(inbox: Inbox) -> str:
    return str(Inbox.objects.get(pk=inbox.pk).secrets["inbound_secret"])


@pytest.fixture
def on_commit_client(client: Client, on_commit: Callable[..., Any]) -> Callable[..., Any]:
    """Run a request and what it scheduled after commit (parsing, downloads)."""

    def run(call: Callable[[Client], Any]) -> Any:
        with on_commit():
            return call(client)

    return run
