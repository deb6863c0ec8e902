"""Adding SMS inboxes from the command line and the settings pages, from the connector's
declared settings; the segment counter of the API and of the agent composer."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from conftest import Cast
from javob.accounts.models import User
from javob.connectors.actions import do_add_inbox
from javob.connectors.sms.tests.conftest import PUBLIC_URL, post_twilio
from javob.connectors.sms.tests.fakes import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, payload
from javob.conversations.models import Conversation, Inbox
from javob.core.errors import ActionError

pytestmark = pytest.mark.django_db


def signed_in(email: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


def test_javob_inbox_add_sms_connects_a_twilio_number(cast: Cast, twilio: FakeTwilio) -> None:
    out = io.StringIO()
    call_command(
        "inbox",
        "add",
        "sms",
        "--workspace",
        str(cast.a.pk),
        "--name",
        "SMS +1 415",
        "--set",
        "provider=twilio",
        "--set",
        f"account_sid={ACCOUNT_SID}",
        "--set",
        f"auth_token={AUTH_TOKEN}",
        "--set",
        "from_number=+1 (415) 555-2671",
        "--set",
        f"api_url={twilio.url}",
        stdout=out,
    )
    inbox = Inbox.objects.get(kind="sms")
    assert json.loads(out.getvalue()) == {
        "id": inbox.pk,
        "webhook_url": f"{PUBLIC_URL}/hooks/sms/{inbox.pk}",
    }
    assert inbox.settings == {
        "provider": "twilio",
        "account_sid": ACCOUNT_SID,
        "from_number": "+14155552671",
        "api_url": twilio.url,
    }
    assert inbox.secrets == {"auth_token": AUTH_TOKEN}


@pytest.mark.parametrize(
    ("options", "message", "field"),
    [
        ({}, "Missing setting: provider", "provider"),
        ({"provider": "pigeon"}, "`provider` is one of: twilio, gateway.", "provider"),
        (
            {"provider": "twilio", "account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN},
            "Give the `from_number` to send from, or a `messaging_service_sid`.",
            "from_number",
        ),
        (
            {"provider": "twilio", "account_sid": "12", "auth_token": AUTH_TOKEN},
            "`account_sid` is the Account SID from the Twilio console (AC...).",
            "account_sid",
        ),
        ({"provider": "gateway"}, "Give the gateway's `send_url`, or a `preset`.", "send_url"),
        (
            {"provider": "gateway", "preset": "eskiz"},
            "This gateway needs the `username` and `password`.",
            "username",
        ),
        (
            {"provider": "gateway", "preset": "nowhere"},
            "`preset` is one of: eskiz, playmobile.",
            "preset",
        ),
        (
            {"provider": "gateway", "send_url": "https://sms.example.uz/send", "auth": "bearer"},
            "Bearer auth needs the `api_token`.",
            "api_token",
        ),
    ],
    ids=[
        "no-provider",
        "unknown-provider",
        "no-sender",
        "bad-sid",
        "no-url",
        "eskiz-no-login",
        "unknown-preset",
        "bearer-no-token",
    ],
)
def test_an_incomplete_sms_inbox_is_refused_naming_the_setting(
    cast: Cast, options: dict[str, str], message: str, field: str
) -> None:
    with pytest.raises(ActionError) as refused:
        do_add_inbox(cast.a, "sms", "SMS", options, [])
    assert (refused.value.message, refused.value.field) == (message, field)
    assert not Inbox.objects.filter(kind="sms").exists()


def test_twilio_credentials_are_checked_when_the_inbox_is_added(
    cast: Cast, twilio: FakeTwilio
) -> None:
    options = {
        "provider": "twilio",
        "account_sid": ACCOUNT_SID,
        "auth_token": "0" * 32,
        "from_number": "+14155552671",
        "api_url": twilio.url,
    }
    with pytest.raises(ActionError) as refused:
        do_add_inbox(cast.a, "sms", "SMS", options, [])
    assert refused.value.message == "Twilio refused the credentials: Twilio 20003: Authenticate"
    assert not Inbox.objects.filter(kind="sms").exists()


def test_the_settings_page_adds_an_sms_inbox_from_the_declared_settings(
    cast: Cast, twilio: FakeTwilio
) -> None:
    alice = signed_in("alice@example.com")
    form = alice.get("/settings/inboxes/new/sms/").context["form"]
    assert form.fields["provider"].required is True
    assert form.fields["account_sid"].required is False
    assert form.secret_names == [
        "auth_token",
        "password",
        "api_token",
        "inbound_secret",
        "session_token",
    ]
    response = alice.post(
        "/settings/inboxes/new/sms/",
        {
            "name": "Twilio SMS",
            "reopen_grace_hours": "168",
            "provider": "twilio",
            "account_sid": ACCOUNT_SID,
            "auth_token": AUTH_TOKEN,
            "from_number": "+14155552671",
            "api_url": twilio.url,
        },
    )
    inbox = Inbox.objects.get(kind="sms")
    assert (response.status_code, response["Location"]) == (302, f"/settings/inboxes/{inbox.pk}/")
    assert inbox.secrets == {"auth_token": AUTH_TOKEN}
    page = alice.get(f"/settings/inboxes/{inbox.pk}/").content.decode()
    assert f"{PUBLIC_URL}/hooks/sms/{inbox.pk}" in page
    assert AUTH_TOKEN not in page


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a" * 161,
            {
                "encoding": "GSM-7",
                "units": 161,
                "segments": 2,
                "per_segment": 153,
                "remaining": 145,
                "label": "2 SMS (GSM-7), 145 characters left in the last",
            },
        ),
        (
            "Салом" * 14,
            {
                "encoding": "UCS-2",
                "units": 70,
                "segments": 1,
                "per_segment": 70,
                "remaining": 0,
                "label": "1 SMS (UCS-2), 0 characters left",
            },
        ),
    ],
    ids=["gsm7", "ucs2"],
)
def test_the_api_counts_segments_for_a_signed_in_agent(
    cast: Cast, text: str, expected: dict[str, Any]
) -> None:
    bob = signed_in("bob@example.com")
    response = bob.post("/api/v1/sms/segments", {"text": text}, content_type="application/json")
    assert (response.status_code, response.json()) == (200, expected)


def test_the_segment_count_needs_an_agent(client: Client) -> None:
    response = client.post("/api/v1/sms/segments", {"text": "a"}, content_type="application/json")
    assert response.status_code == 401


def test_the_composer_of_an_sms_conversation_shows_the_counter(
    cast: Cast, tw_inbox: Inbox, on_commit_client: Any
) -> None:
    on_commit_client(lambda c: post_twilio(c, tw_inbox, payload("twilio/inbound_sms")))
    conversation = Conversation.objects.get(inbox=tw_inbox)
    page = signed_in("alice@example.com").get(f"/conversations/{conversation.pk}/")
    html = page.content.decode()
    assert '<output id="sms-count"' in html
    assert 'data-url="/api/v1/sms/segments"' in html


def test_other_conversations_have_no_counter(cast: Cast) -> None:
    from javob.conversations.actions import receive_message
    from javob.conversations.tests.factories import inbound

    conversation = receive_message(inbound(cast.inbox_a.pk, "cust-1")).message.conversation
    page = signed_in("alice@example.com").get(f"/conversations/{conversation.pk}/")
    assert page.status_code == 200
    assert "sms-count" not in page.content.decode()


def test_the_composer_counter_call_passes_the_csrf_check_as_the_page_makes_it(
    cast: Cast, tw_inbox: Inbox, on_commit_client: Any
) -> None:
    # given an agent's browser session that enforces CSRF, on an SMS conversation's page
    on_commit_client(lambda c: post_twilio(c, tw_inbox, payload("twilio/inbound_sms")))
    conversation = Conversation.objects.get(inbox=tw_inbox)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(User.objects.get(email="alice@example.com"))
    html = browser.get(f"/conversations/{conversation.pk}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    # when app.js posts the text with the form's token in X-CSRFToken (and once without)
    body = {"text": "Салом"}
    with_token = browser.post(
        "/api/v1/sms/segments",
        body,
        content_type="application/json",
        headers={"X-CSRFToken": token.group(1)},
    )
    without = browser.post("/api/v1/sms/segments", body, content_type="application/json")
    # then the counter gets its label, and a forged request does not
    assert (with_token.status_code, with_token.json()["label"]) == (
        200,
        "1 SMS (UCS-2), 65 characters left",
    )
    assert without.status_code == 403
