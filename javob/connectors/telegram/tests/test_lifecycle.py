"""A Telegram inbox is connected when added (getMe, setWebhook) and disconnected when switched
off or removed (deleteWebhook); a failure leaves no half-connected inbox behind."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from conftest import Cast
from javob.connectors.actions import (
    check_deactivate_inbox,
    do_activate_inbox,
    do_add_inbox,
    do_deactivate_inbox,
    do_remove_inbox,
)
from javob.connectors.health import inbox_health
from javob.connectors.models import ConnectorHealth
from javob.connectors.telegram.tests.conftest import (
    PUBLIC_URL,
    add_telegram_inbox,
    payload,
    post_update,
)
from javob.connectors.telegram.tests.fake_telegram import TOKEN, FakeTelegram, error
from javob.conversations.models import Inbox
from javob.core.errors import ActionError, Conflict, PermissionDenied

pytestmark = pytest.mark.django_db


def test_adding_an_inbox_checks_the_token_and_sets_the_webhook_with_a_secret(
    cast: Cast, telegram: FakeTelegram
) -> None:
    # when an admin adds a Telegram inbox with a bot token
    inbox = add_telegram_inbox(cast, telegram)
    # then the token was checked, then the webhook registered with a random secret token
    stored = Inbox.objects.get(pk=inbox.pk)
    secret = stored.secrets["webhook_secret"]
    assert [call.method for call in telegram.calls] == ["getMe", "setWebhook"]
    assert telegram.webhook == {
        "url": f"{PUBLIC_URL}/hooks/telegram/{inbox.pk}",
        "secret_token": secret,
        "allowed_updates": ["message", "edited_message", "channel_post", "edited_channel_post"],
    }
    assert len(secret) == 43
    assert stored.secrets == {"bot_token": TOKEN, "webhook_secret": secret}
    assert stored.settings == {
        "api_url": telegram.url,
        "parse_mode": "MarkdownV2",
        "bot_id": 7000000001,
        "bot_username": "javob_test_bot",
    }
    assert stored.is_active is True


def test_a_refused_token_raises_and_leaves_no_inbox(cast: Cast, telegram: FakeTelegram) -> None:
    # given a token Telegram does not know
    unknown = "7000000009:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    # when an inbox is added with it
    with pytest.raises(ActionError) as raised:
        do_add_inbox(cast.a, "telegram", "Bot", {"bot_token": unknown, "api_url": telegram.url}, [])
    # then the provider's reason is raised and nothing is left behind
    assert (raised.value.message, raised.value.field) == (
        "Telegram refused the bot token: Unauthorized",
        "bot_token",
    )
    assert Inbox.objects.filter(kind="telegram").count() == 0
    assert telegram.webhook == {}


def test_a_malformed_token_is_refused_before_any_call(cast: Cast, telegram: FakeTelegram) -> None:
    with pytest.raises(ActionError) as raised:
        do_add_inbox(cast.a, "telegram", "Bot", {"bot_token": "../../etc", "api_url": "x"}, [])
    assert raised.value.field == "bot_token"
    assert telegram.calls == []
    assert Inbox.objects.filter(kind="telegram").count() == 0


def test_a_webhook_telegram_refuses_leaves_no_inbox(
    cast: Cast, telegram: FakeTelegram, settings: Any
) -> None:
    # given an install whose public URL is not HTTPS (Telegram requires it)
    settings.JAVOB_PUBLIC_URL = "http://javob.example.com"
    with pytest.raises(ActionError) as raised:
        add_telegram_inbox(cast, telegram)
    assert raised.value.message.startswith("Telegram did not accept the webhook http://")
    assert raised.value.message.endswith(
        ": Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
    )
    assert Inbox.objects.filter(kind="telegram").count() == 0


def test_an_unknown_parse_mode_is_refused(cast: Cast, telegram: FakeTelegram) -> None:
    with pytest.raises(ActionError) as raised:
        add_telegram_inbox(cast, telegram, parse_mode="HTML")
    assert raised.value.field == "parse_mode"
    assert Inbox.objects.filter(kind="telegram").count() == 0


def test_deactivating_deletes_the_webhook_and_closes_the_door(
    tg_inbox: Inbox, telegram: FakeTelegram, client: Client
) -> None:
    # when the inbox is switched off
    warning = do_deactivate_inbox(tg_inbox)
    # then Telegram is told to stop, and a late update is not accepted
    assert warning == ""
    assert telegram.calls_of("deleteWebhook")[0].params == {"drop_pending_updates": False}
    assert telegram.webhook == {}
    assert Inbox.objects.get(pk=tg_inbox.pk).is_active is False
    response = post_update(client, tg_inbox, payload("private_text"))
    assert response.status_code == 404


def test_deactivating_with_a_revoked_token_still_switches_off_and_records_why(
    tg_inbox: Inbox, telegram: FakeTelegram
) -> None:
    # given Telegram no longer accepts the token
    telegram.fail("deleteWebhook", error(401, "Unauthorized"))
    # when the inbox is switched off
    warning = do_deactivate_inbox(tg_inbox)
    # then it is off all the same, and the reason is shown and kept as its health
    assert warning == "Telegram did not remove the webhook: Unauthorized"
    assert Inbox.objects.get(pk=tg_inbox.pk).is_active is False
    health = inbox_health(tg_inbox)
    assert (health.healthy, health.operation, health.last_error) == (
        False,
        "deactivate",
        "Telegram did not remove the webhook: Unauthorized",
    )


def test_reactivating_registers_the_webhook_again(tg_inbox: Inbox, telegram: FakeTelegram) -> None:
    do_deactivate_inbox(tg_inbox)
    do_activate_inbox(tg_inbox)
    assert [call.method for call in telegram.calls] == [
        "getMe",
        "setWebhook",
        "deleteWebhook",
        "getMe",
        "setWebhook",
    ]
    assert telegram.webhook["url"] == f"{PUBLIC_URL}/hooks/telegram/{tg_inbox.pk}"
    assert Inbox.objects.get(pk=tg_inbox.pk).is_active is True


def test_removing_an_empty_inbox_deletes_webhook_and_row(
    tg_inbox: Inbox, telegram: FakeTelegram
) -> None:
    assert do_remove_inbox(tg_inbox) == ""
    assert telegram.webhook == {}
    assert Inbox.objects.filter(pk=tg_inbox.pk).exists() is False


def test_an_inbox_with_conversations_is_not_removed(
    tg_inbox: Inbox, telegram: FakeTelegram, deliver: Any
) -> None:
    deliver(tg_inbox, payload("private_text"))
    with pytest.raises(Conflict):
        do_remove_inbox(tg_inbox)
    assert Inbox.objects.get(pk=tg_inbox.pk).is_active is True
    assert telegram.calls_of("deleteWebhook") == []


def test_only_admins_switch_inboxes_off(
    cast: Cast, tg_inbox: Inbox, telegram: FakeTelegram
) -> None:
    with pytest.raises(PermissionDenied):
        check_deactivate_inbox(cast.bob, tg_inbox.pk)
    with pytest.raises(ActionError):
        check_deactivate_inbox(cast.charlie, tg_inbox.pk)
    assert Inbox.objects.get(pk=tg_inbox.pk).is_active is True
    assert telegram.calls_of("deleteWebhook") == []
    assert check_deactivate_inbox(cast.alice, tg_inbox.pk) == ""
    assert Inbox.objects.get(pk=tg_inbox.pk).is_active is False


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_inbox_command_adds_shows_and_deactivates_a_telegram_inbox(
    cast: Cast, telegram: FakeTelegram
) -> None:
    # when the operator adds the bot from the command line
    printed = json.loads(
        run(
            "inbox",
            "add",
            "telegram",
            "--workspace",
            str(cast.a.pk),
            "--name",
            "Do'kon boti",
            "--set",
            f"bot_token={TOKEN}",
            "--set",
            f"api_url={telegram.url}",
        )
    )
    # then the webhook is registered and the command prints where it points
    inbox = Inbox.objects.get(kind="telegram")
    url = f"{PUBLIC_URL}/hooks/telegram/{inbox.pk}"
    assert printed == {"id": inbox.pk, "webhook_url": url}
    assert telegram.webhook["url"] == url
    shown = json.loads(run("inbox", "show", str(inbox.pk)))
    assert shown == {
        "id": inbox.pk,
        "kind": "telegram",
        "name": "Do'kon boti",
        "is_active": True,
        "webhook_url": url,
        "last_event_at": None,
        "healthy": True,
        "last_error": "",
        "last_error_at": None,
    }
    assert json.loads(run("inbox", "deactivate", str(inbox.pk)))["is_active"] is False
    assert telegram.webhook == {}


def test_the_inbox_command_reports_a_refused_token(cast: Cast, telegram: FakeTelegram) -> None:
    unknown = "7000000009:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    with pytest.raises(CommandError, match=r"^Telegram refused the bot token: Unauthorized"):
        run(
            "inbox",
            "add",
            "telegram",
            "--workspace",
            str(cast.a.pk),
            "--name",
            "Bot",
            "--set",
            f"bot_token={unknown}",
            "--set",
            f"api_url={telegram.url}",
        )
    assert Inbox.objects.filter(kind="telegram").count() == 0
    assert ConnectorHealth.objects.count() == 0
