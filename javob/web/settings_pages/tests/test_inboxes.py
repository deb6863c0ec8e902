import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client

from conftest import Cast
from javob.connectors.actions import do_add_inbox, store_payload
from javob.connectors.api.connector import sign
from javob.connectors.tasks import process_payload
from javob.conversations.actions import check_send_reply, receive_message
from javob.conversations.models import Inbox
from javob.conversations.tests.factories import inbound
from javob.web.settings_pages.tests.support import snapshot, table_rows

T0 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


def at(minutes: int) -> Any:
    return time_machine.travel(T0 + dt.timedelta(minutes=minutes), tick=False)


def test_the_inbox_list_shows_webhook_url_and_connection_health(
    cast: Cast, alice: Client, on_commit: Callable[..., Any]
) -> None:
    quiet = do_add_inbox(cast.a, "api", "Shop bot", {}, ["uz", "ru"])
    with at(0):
        store_payload(cast.inbox_a, "p-1", b'{"id": "p-1"}', {})
    with at(5):
        broken = store_payload(cast.inbox_a, "p-2", b"not json", {})
        assert broken is not None
        process_payload.call(broken)
    with at(10):
        conversation_id = receive_message(inbound(quiet.pk)).message.conversation_id
        with on_commit():  # the reply fails for good: this inbox has no webhook_url
            check_send_reply(cast.alice, conversation_id, "Salom!")

    response = alice.get("/settings/inboxes/")

    assert table_rows(response) == [
        [
            "API A",
            "API",
            "—",
            "—",
            f"http://127.0.0.1:8000/hooks/api/{cast.inbox_a.pk}",
            "11/23/2026 8:05 a.m.",
            "JSONDecodeError: Expecting value: line 1 column 1 (char 0) 11/23/2026 8:05 a.m.",
            "Configure 1 quarantined payload",
        ],
        [
            "Shop bot",
            "API",
            "—",
            "uz, ru",
            f"http://127.0.0.1:8000/hooks/api/{quiet.pk}",
            "Never",
            "The inbox has no webhook_url to deliver replies to. 11/23/2026 8:10 a.m.",
            "Configure",
        ],
    ]


def test_an_admin_adds_an_api_inbox_with_a_generated_secret(cast: Cast, alice: Client) -> None:
    response = alice.post(
        "/settings/inboxes/new/api/",
        {
            "name": "Mobile app",
            "team": cast.support.pk,
            "languages": "uz, ru",
            "reopen_grace_hours": "48",
            "webhook_url": "https://app.example.com/javob",
            "webhook_secret": "",
        },
    )

    inbox = Inbox.objects.get(workspace=cast.a, name="Mobile app")
    assert response.status_code == 302
    assert response["Location"] == f"/settings/inboxes/{inbox.pk}/"
    assert (inbox.kind, inbox.team_id, inbox.languages, inbox.reopen_grace_hours) == (
        "api",
        cast.support.pk,
        ["uz", "ru"],
        48,
    )
    assert inbox.settings == {"webhook_url": "https://app.example.com/javob"}
    assert len(inbox.secrets["webhook_secret"]) == 43


def test_a_short_chosen_secret_is_refused_next_to_its_field(cast: Cast, alice: Client) -> None:
    before = snapshot()

    response = alice.post(
        "/settings/inboxes/new/api/",
        {"name": "App", "reopen_grace_hours": "168", "webhook_secret": "short"},
    )

    assert response.context["form"].errors == {
        "webhook_secret": ["The webhook secret must be at least 16 characters."]
    }
    assert snapshot() == before


def test_an_unknown_channel_kind_is_not_found(cast: Cast, alice: Client) -> None:
    assert alice.get("/settings/inboxes/new/pigeon/").status_code == 404


def test_an_admin_configures_an_inbox_and_keeps_the_secret_when_left_empty(
    cast: Cast, alice: Client
) -> None:
    secret_before = cast.inbox_a.secrets["webhook_secret"]

    response = alice.post(
        f"/settings/inboxes/{cast.inbox_a.pk}/",
        {
            "name": "API main",
            "team": cast.sales.pk,
            "languages": "en",
            "reopen_grace_hours": "0",
            "webhook_url": "https://hooks.example.com/main",
            "webhook_secret": "",
        },
    )

    assert response.status_code == 302
    inbox = Inbox.objects.get(pk=cast.inbox_a.pk)
    assert (inbox.name, inbox.team_id, inbox.languages, inbox.reopen_grace_hours) == (
        "API main",
        cast.sales.pk,
        ["en"],
        0,
    )
    assert inbox.settings == {"webhook_url": "https://hooks.example.com/main"}
    assert inbox.secrets == {"webhook_secret": secret_before}


def test_a_team_of_another_workspace_cannot_be_chosen(cast: Cast, alice: Client) -> None:
    other_team = cast.charlie.workspace.teams.create(name="B team")
    before = snapshot()

    response = alice.post(
        f"/settings/inboxes/{cast.inbox_a.pk}/",
        {"name": "API A", "team": other_team.pk, "reopen_grace_hours": "168"},
    )

    assert response.context["form"].errors == {
        "team": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert snapshot() == before


def revealed(response: Any) -> str:
    found = re.search(r'id="webhook-secret"[^>]* value="([^"]+)"', response.content.decode())
    assert found is not None
    return found.group(1)


def test_the_webhook_secret_is_shown_on_request_and_the_reveal_is_logged(
    cast: Cast, alice: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="javob.audit")
    page = alice.get(f"/settings/inboxes/{cast.inbox_a.pk}/")
    assert cast.inbox_a.secrets["webhook_secret"] not in page.content.decode()

    response = alice.post(f"/settings/inboxes/{cast.inbox_a.pk}/secret/", {"rotate": "0"})

    assert revealed(response) == cast.inbox_a.secrets["webhook_secret"]
    assert response["Cache-Control"].startswith("max-age=0")
    assert [r.getMessage() for r in caplog.records if r.name == "javob.audit"] == [
        f"inbox.secret_revealed workspace={cast.a.pk} actor={cast.alice.pk} inbox={cast.inbox_a.pk}"
    ]


def test_rotating_the_secret_refuses_webhooks_signed_with_the_old_one(
    cast: Cast, alice: Client, client: Client
) -> None:
    old = cast.inbox_a.secrets["webhook_secret"]

    response = alice.post(f"/settings/inboxes/{cast.inbox_a.pk}/secret/", {"rotate": "1"})

    new = revealed(response)
    assert new != old
    assert Inbox.objects.get(pk=cast.inbox_a.pk).secrets == {"webhook_secret": new}
    body = b'{"id": "m-1", "sender": {"id": "c-1"}, "text": "Salom"}'
    for secret, status in ((old, 401), (new, 200)):
        timestamp = str(int(dt.datetime.now(dt.UTC).timestamp()))
        answer = client.post(
            f"/hooks/api/{cast.inbox_a.pk}",
            body,
            content_type="application/json",
            headers={
                "X-Javob-Timestamp": timestamp,
                "X-Javob-Signature": sign(secret, timestamp, body),
            },
        )
        assert answer.status_code == status


def test_an_admin_deactivates_and_reactivates_an_inbox(cast: Cast, alice: Client) -> None:
    alice.post(f"/settings/inboxes/{cast.inbox_a.pk}/active/", {"active": "0"})
    assert Inbox.objects.get(pk=cast.inbox_a.pk).is_active is False
    assert table_rows(alice.get("/settings/inboxes/"))[0][0] == "API A Deactivated"

    alice.post(f"/settings/inboxes/{cast.inbox_a.pk}/active/", {"active": "1"})
    assert Inbox.objects.get(pk=cast.inbox_a.pk).is_active is True


def test_a_webhook_url_must_be_a_url(cast: Cast, alice: Client) -> None:
    before = snapshot()

    response = alice.post(
        f"/settings/inboxes/{cast.inbox_a.pk}/",
        {"name": "API A", "reopen_grace_hours": "168", "webhook_url": "not a url"},
    )

    assert response.context["form"].errors == {"webhook_url": ["Enter a valid URL."]}
    assert snapshot() == before
