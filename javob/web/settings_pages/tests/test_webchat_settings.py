"""The web chat's own settings form on the inbox page: every widget setting, defaults kept
as absent keys, the config check shared with the CLI and API, the embed tag, the secret."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from conftest import Cast
from javob.connectors.email.tests.support import email_inbox
from javob.connectors.webchat.tests.support import Widget, add_webchat
from javob.conversations.models import Inbox
from javob.conversations.settings_actions import InboxConfig, check_configure_inbox
from javob.core.errors import ActionError
from javob.web.settings_pages.tests.support import snapshot

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def form_data(**changes: str) -> dict[str, str]:
    data = {
        "name": "Site chat",
        "team": "",
        "languages": "uz, ru",
        "reopen_grace_hours": "168",
        "allowed_origins": "https://shop.example\nhttps://www.shop.example:8443/\n",
        "greeting": "",
        "greeting_uz": "Salom! Savolingiz bormi?",
        "greeting_ru": "",
        "prechat_name": "required",
        "prechat_email": "optional",
        "prechat_phone": "off",
        "time_zone": "Asia/Tashkent",
        **{f"hours_{day}": "" for day in DAYS},
        "hours_mon": "09:00-13:00, 14:00-18:00",
        "hours_fri": "09:00-18:00",
        "offline_message": "",
        "email_inbox": "",
        "away_minutes": "",
        "bot": "",
    }
    return {**data, **changes}


def test_the_page_shows_the_stored_settings_the_embed_tag_and_no_secret(
    cast: Cast, alice: Client
) -> None:
    mail = email_inbox(cast.a, "help@shop.example")
    email_inbox(cast.b, "help@other.example")
    chat = add_webchat(
        cast.a,
        hours="Mon-Wed 09:00-18:00; Sat 10:00-12:00, 13:00-24:00",
        time_zone="Asia/Tashkent",
        prechat_email="required",
        email_inbox=str(mail.pk),
        greeting_ru="Здравствуйте!",
    )

    response = alice.get(f"/settings/inboxes/{chat.pk}/")

    form = response.context["form"]
    assert form["allowed_origins"].value() == "https://shop.example\nhttps://www.shop.example"
    assert [form[f"hours_{day}"].value() for day in DAYS] == [
        "09:00-18:00",
        "09:00-18:00",
        "09:00-18:00",
        "",
        "",
        "10:00-12:00, 13:00-24:00",
        "",
    ]
    assert form["prechat_email"].value() == "required"
    assert form["prechat_name"].value() == "optional"
    assert form["greeting_ru"].value() == "Здравствуйте!"
    assert form.greeting_names == [
        "greeting_uz",
        "greeting_uz-cyrl",
        "greeting_ru",
        "greeting_en",
    ]
    assert list(form.fields["email_inbox"].choices) == [
        ("", "None (send through the server's mail settings)"),
        (str(mail.pk), mail.name),
    ]
    assert "identity_secret" not in form.fields
    html = response.content.decode()
    snippet = (
        "&lt;script src=&quot;http://127.0.0.1:8000/static/webchat/widget.js&quot; "
        f"data-inbox=&quot;{chat.settings['public_id']}&quot; async&gt;&lt;/script&gt;"
    )
    assert snippet in html
    assert 'data-copy="embed-snippet"' in html
    assert chat.secrets["identity_secret"] not in html
    assert "/hooks/webchat/" not in html


def test_saving_stores_each_setting_and_leaves_empty_fields_to_their_defaults(
    cast: Cast, alice: Client
) -> None:
    mail = email_inbox(cast.a, "help@shop.example")
    chat = add_webchat(cast.a, away_minutes="30", greeting="Hi", bot="some.Bot")

    response = alice.post(
        f"/settings/inboxes/{chat.pk}/",
        form_data(email_inbox=str(mail.pk), offline_message="Back soon"),
    )

    assert response.status_code == 302
    chat.refresh_from_db()
    assert chat.settings == {
        "public_id": chat.settings["public_id"],
        "allowed_origins": "https://shop.example https://www.shop.example:8443",
        "greeting_uz": "Salom! Savolingiz bormi?",
        "prechat_name": "required",
        "prechat_email": "optional",
        "prechat_phone": "off",
        "time_zone": "Asia/Tashkent",
        "hours": "Mon 09:00-13:00, 14:00-18:00; Fri 09:00-18:00",
        "offline_message": "Back soon",
        "email_inbox": str(mail.pk),
    }
    assert chat.languages == ["ru", "uz"]


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"away_minutes": "0"}, "away_minutes", "Ensure this value is greater than or equal to 1."),
        (
            {"hours_tue": "9-18"},
            "hours_tue",
            "Write opening hours like `Mon-Fri 09:00-18:00; Sat 10:00-14:00`.",
        ),
        (
            {"hours_wed": "18:00-09:00"},
            "hours_wed",
            "An opening interval must end after it starts.",
        ),
        ({"hours_thu": "25:00-26:00"}, "hours_thu", "25:00-26:00 is not a time of day."),
        (
            {"allowed_origins": "https://shop.example\nshop.example"},
            "allowed_origins",
            "shop.example is not an origin like `https://shop.example`.",
        ),
        ({"allowed_origins": ""}, "allowed_origins", "This field is required."),
        (
            {"time_zone": "Mars/Olympus"},
            "time_zone",
            "Select a valid choice. Mars/Olympus is not one of the available choices.",
        ),
        (
            {"prechat_phone": "maybe"},
            "prechat_phone",
            "Select a valid choice. maybe is not one of the available choices.",
        ),
    ],
)
def test_invalid_input_names_the_field_and_stores_nothing(
    cast: Cast, alice: Client, changes: dict[str, str], field: str, error: str
) -> None:
    chat = add_webchat(cast.a)
    before = snapshot()

    response = alice.post(f"/settings/inboxes/{chat.pk}/", form_data(**changes))

    assert response.status_code == 200
    assert response.context["form"].errors == {field: [error]}
    assert snapshot() == before


def test_an_email_inbox_of_another_workspace_is_not_offered(cast: Cast, alice: Client) -> None:
    other = email_inbox(cast.b, "help@other.example")
    chat = add_webchat(cast.a)
    before = snapshot()

    response = alice.post(f"/settings/inboxes/{chat.pk}/", form_data(email_inbox=str(other.pk)))

    assert response.context["form"].errors == {
        "email_inbox": [f"Select a valid choice. {other.pk} is not one of the available choices."]
    }
    assert snapshot() == before


def test_adding_a_webchat_inbox_through_the_page(cast: Cast, alice: Client) -> None:
    response = alice.post("/settings/inboxes/new/webchat/", form_data(away_minutes="45"))

    chat = Inbox.objects.get(kind="webchat")
    assert response.status_code == 302
    assert response["Location"] == f"/settings/inboxes/{chat.pk}/"
    assert chat.settings == {
        "public_id": chat.settings["public_id"],
        "allowed_origins": "https://shop.example https://www.shop.example:8443",
        "greeting_uz": "Salom! Savolingiz bormi?",
        "prechat_name": "required",
        "prechat_email": "optional",
        "prechat_phone": "off",
        "time_zone": "Asia/Tashkent",
        "hours": "Mon 09:00-13:00, 14:00-18:00; Fri 09:00-18:00",
        "away_minutes": "45",
    }
    assert len(chat.secrets["identity_secret"]) == 43


def test_an_agent_cannot_open_or_change_the_widget_settings(cast: Cast, bob: Client) -> None:
    chat = add_webchat(cast.a)
    before = snapshot()

    assert bob.get(f"/settings/inboxes/{chat.pk}/").status_code == 403
    assert bob.post(f"/settings/inboxes/{chat.pk}/", form_data()).status_code == 403
    assert (
        bob.post(f"/settings/inboxes/{chat.pk}/identity-secret/", {"rotate": "1"}).status_code
        == 403
    )
    assert snapshot() == before


def test_charlie_cannot_see_the_chat_of_workspace_a(cast: Cast, charlie: Client) -> None:
    chat = add_webchat(cast.a)

    assert charlie.get(f"/settings/inboxes/{chat.pk}/").status_code == 404
    assert (
        charlie.post(f"/settings/inboxes/{chat.pk}/identity-secret/", {"rotate": "0"}).status_code
        == 404
    )


def _identity_secret(response: Any) -> str:
    found = re.search(r'id="identity-secret"[^>]* value="([^"]+)"', response.content.decode())
    assert found is not None
    return found.group(1)


def _signed(secret: str, user_id: str) -> str:
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def test_the_identity_secret_is_shown_on_request_and_replacing_it_refuses_old_signatures(
    cast: Cast, alice: Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="javob.audit")
    chat = add_webchat(cast.a)
    old = chat.secrets["identity_secret"]

    shown = _identity_secret(
        alice.post(f"/settings/inboxes/{chat.pk}/identity-secret/", {"rotate": "0"})
    )
    new = _identity_secret(
        alice.post(f"/settings/inboxes/{chat.pk}/identity-secret/", {"rotate": "1"})
    )

    assert shown == old
    assert new not in (old, "")
    chat.refresh_from_db()
    assert chat.secrets["identity_secret"] == new
    who = f"workspace={cast.a.pk} actor={cast.alice.pk} inbox={chat.pk}"
    assert [r.getMessage() for r in caplog.records if r.name == "javob.audit"] == [
        f"inbox.identity_secret_revealed {who}",
        f"inbox.identity_secret_rotated {who}",
    ]
    widget = Widget(chat)
    refused = widget.start(identity={"id": "42", "hash": _signed(old, "42")})
    accepted = widget.start(identity={"id": "42", "hash": _signed(new, "42")})
    assert (refused.status_code, accepted.status_code) == (403, 200)


def test_the_widget_uses_the_greeting_of_its_language_and_the_offline_message(
    cast: Cast,
) -> None:
    chat = add_webchat(
        cast.a,
        greeting="Hello there",
        greeting_ru="Здравствуйте!",
        hours="Mon 09:00-18:00",
        offline_message="We answer on Monday.",
    )

    with time_machine.travel("2026-11-22 12:00Z", tick=False):  # a Sunday
        russian = Widget(chat).start(languages=("ru-RU",)).json()
        english = Widget(chat).start(languages=("en-GB",)).json()

    assert (russian["greeting"], english["greeting"]) == ("Здравствуйте!", "Hello there")
    assert russian["strings"]["offline"] == "We answer on Monday."
    assert russian["schedule"]["open"] is False


def test_the_configure_action_itself_refuses_bad_widget_settings(cast: Cast) -> None:
    # given a caller that skips the form (the action is what every path goes through)
    chat = add_webchat(cast.a)
    before = snapshot()
    config = InboxConfig(
        name="Site chat",
        team_id=None,
        languages=("uz",),
        reopen_grace_hours=168,
        settings={"away_minutes": "0", "allowed_origins": "https://shop.example"},
        secrets={},
    )

    with pytest.raises(ActionError) as refused:
        check_configure_inbox(cast.alice, chat.pk, config)

    assert (refused.value.field, refused.value.message) == (
        "away_minutes",
        "`away_minutes` must be 1 to 10080.",
    )
    assert snapshot() == before
