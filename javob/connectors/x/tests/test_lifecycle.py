"""An X inbox is connected when added (account learned, webhook registered, account
subscribed) and disconnected when switched off (subscription and webhook removed); a refusal
leaves nothing half-connected, here or at X."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from conftest import Cast
from javob.connectors.actions import do_activate_inbox, do_add_inbox, do_deactivate_inbox
from javob.connectors.x.tests.conftest import OAUTH1, PUBLIC_URL, add_x_inbox
from javob.connectors.x.tests.fake_x import (
    ACCOUNT,
    BEARER_TOKEN,
    CONSUMER_SECRET,
    USER_TOKEN,
    FakeX,
)
from javob.conversations.models import Inbox
from javob.core.errors import ActionError

pytestmark = pytest.mark.django_db


def test_adding_an_inbox_registers_the_webhook_and_subscribes_the_account(
    cast: Cast, xapi: FakeX
) -> None:
    inbox = add_x_inbox(cast, xapi)
    stored = Inbox.objects.get(pk=inbox.pk)
    [webhook_id] = xapi.webhooks
    assert [(c.method, c.path, c.auth) for c in xapi.calls] == [
        ("GET", "/2/users/me", "oauth1"),
        ("POST", "/2/webhooks", "app"),
        ("POST", f"/2/account_activity/webhooks/{webhook_id}/subscriptions/all", "oauth1"),
    ]
    assert xapi.webhooks[webhook_id] == f"{PUBLIC_URL}/hooks/x/{inbox.pk}"
    assert xapi.subscriptions == {(webhook_id, ACCOUNT["id"])}
    assert stored.settings == {
        "api_url": xapi.url,
        "user_id": ACCOUNT["id"],
        "username": ACCOUNT["username"],
        "webhook_id": webhook_id,
        "webhook_registered": "1",
    }
    assert stored.secrets == {**OAUTH1, "bearer_token": BEARER_TOKEN}


def test_an_oauth2_user_token_is_enough_to_subscribe_a_portal_webhook(
    cast: Cast, xapi: FakeX
) -> None:
    # given a webhook registered in X's portal and an OAuth 2.0 user token
    xapi.webhooks["1234"] = f"{PUBLIC_URL}/hooks/x/portal"
    options = {"consumer_secret": CONSUMER_SECRET, "user_token": USER_TOKEN}
    inbox = do_add_inbox(
        cast.a, "x", "X", {**options, "webhook_id": "1234", "api_url": xapi.url}, []
    )
    assert [(c.method, c.path, c.auth) for c in xapi.calls] == [
        ("GET", "/2/users/me", "user-token"),
        ("POST", "/2/account_activity/webhooks/1234/subscriptions/all", "user-token"),
    ]
    assert Inbox.objects.get(pk=inbox.pk).settings["user_id"] == ACCOUNT["id"]
    # and switching it off removes nothing it may not (no app bearer token)
    assert do_deactivate_inbox(inbox) == ""
    assert xapi.calls[2:] == []


def test_a_receive_only_inbox_calls_nothing(cast: Cast, xapi: FakeX) -> None:
    inbox = do_add_inbox(
        cast.a, "x", "X", {"consumer_secret": CONSUMER_SECRET, "api_url": xapi.url}, []
    )
    assert xapi.calls == []
    assert Inbox.objects.get(pk=inbox.pk).secrets == {"consumer_secret": CONSUMER_SECRET}


def test_a_refused_subscription_removes_the_new_webhook_and_the_inbox(
    cast: Cast, xapi: FakeX
) -> None:
    xapi.forbidden.add("subscribe")
    with pytest.raises(ActionError) as raised:
        add_x_inbox(cast, xapi)
    assert raised.value.message == (
        "X refused to connect the inbox: The X account's access does not allow this: "
        "Forbidden: Your access tier does not include the Account Activity API."
    )
    assert xapi.webhooks == {}
    assert Inbox.objects.filter(kind="x").count() == 0


def test_when_the_new_webhook_cannot_be_removed_the_refusal_is_still_what_is_said(
    cast: Cast, xapi: FakeX, caplog: pytest.LogCaptureFixture
) -> None:
    xapi.forbidden.update({"subscribe", "unregister"})
    with pytest.raises(ActionError) as raised:
        add_x_inbox(cast, xapi)
    assert raised.value.message.endswith(
        "Your access tier does not include the Account Activity API."
    )
    [webhook_id] = xapi.webhooks
    assert f"webhook {webhook_id} left at X: Service Unavailable" in caplog.text
    assert Inbox.objects.filter(kind="x").count() == 0


def test_a_refused_webhook_registration_keeps_the_providers_words(cast: Cast, xapi: FakeX) -> None:
    xapi.forbidden.add("webhook")
    with pytest.raises(ActionError) as raised:
        add_x_inbox(cast, xapi)
    assert raised.value.message.startswith(
        "X refused to connect the inbox: The X account's access does not allow this: "
        "Client Forbidden: When authenticating requests to the Twitter API v2 endpoints"
    )
    assert Inbox.objects.filter(kind="x").count() == 0


def test_half_oauth1_credentials_are_refused_before_any_call(cast: Cast, xapi: FakeX) -> None:
    options = {"consumer_secret": CONSUMER_SECRET, "access_token": "t", "api_url": xapi.url}
    with pytest.raises(ActionError) as raised:
        do_add_inbox(cast.a, "x", "X", options, [])
    assert (raised.value.field, xapi.calls) == ("consumer_key", [])


def test_unknown_capabilities_are_refused(cast: Cast, xapi: FakeX) -> None:
    with pytest.raises(ActionError) as raised:
        add_x_inbox(cast, xapi, capabilities="dms, polls")
    assert (raised.value.message, raised.value.field) == (
        "Unknown capabilities: polls; use some of: dms, mentions, send_dm, reply, media",
        "capabilities",
    )


def test_deactivating_removes_the_subscription_and_the_webhook_and_activating_restores_them(
    cast: Cast, xapi: FakeX
) -> None:
    inbox = add_x_inbox(cast, xapi)
    [webhook_id] = xapi.webhooks
    assert do_deactivate_inbox(inbox) == ""
    assert (xapi.webhooks, xapi.subscriptions) == ({}, set())
    assert [(c.method, c.path, c.auth) for c in xapi.calls[3:]] == [
        (
            "DELETE",
            f"/2/account_activity/webhooks/{webhook_id}/subscriptions/{ACCOUNT['id']}/all",
            "app",
        ),
        ("DELETE", f"/2/webhooks/{webhook_id}", "app"),
    ]
    assert "webhook_id" not in Inbox.objects.get(pk=inbox.pk).settings
    do_activate_inbox(Inbox.objects.get(pk=inbox.pk))
    [new_id] = xapi.webhooks
    assert xapi.subscriptions == {(new_id, ACCOUNT["id"])}
    assert Inbox.objects.get(pk=inbox.pk).is_active is True


def test_the_inbox_command_adds_an_x_inbox(cast: Cast, xapi: FakeX) -> None:
    out = io.StringIO()
    options = [f"{key}={value}" for key, value in OAUTH1.items()]
    call_command(
        "inbox",
        "add",
        "x",
        "--workspace",
        str(cast.a.pk),
        "--name",
        "X",
        *[arg for option in options for arg in ("--set", option)],
        "--set",
        f"api_url={xapi.url}",
        stdout=out,
    )
    answer = json.loads(out.getvalue())
    inbox = Inbox.objects.get(pk=answer["id"])
    assert answer["webhook_url"] == f"{PUBLIC_URL}/hooks/x/{inbox.pk}"
    assert (inbox.kind, inbox.settings["user_id"]) == ("x", ACCOUNT["id"])
    assert CONSUMER_SECRET not in out.getvalue()
