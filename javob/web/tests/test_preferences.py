"""Each agent picks a language and a time zone; every page follows them."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.test import Client

from javob.accounts.models import User
from javob.web.tests.conftest import World, receive


def test_the_interface_speaks_the_language_the_agent_chose(world: World, alice: Client) -> None:
    response = alice.post("/preferences/", {"locale": "uz", "time_zone": "Asia/Tashkent"})

    assert response["Location"] == "/preferences/"
    assert User.objects.get(pk=world.cast.alice.user_id).locale == "uz"
    page = alice.get("/inbox/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<html lang="uz" dir="ltr">' in page


def test_times_are_shown_in_the_agent_time_zone(world: World, alice: Client) -> None:
    alice.post("/preferences/", {"locale": "en", "time_zone": "Asia/Tashkent"})
    with time_machine.travel(dt.datetime(2026, 3, 1, 22, 15, tzinfo=dt.UTC), tick=False):
        conversation = receive(world.cast.inbox_a.pk, "late-customer")

    row = alice.get(f"/inbox/all/row/{conversation.pk}").content.decode()

    # 22:15 UTC is 03:15 the next morning in Tashkent
    assert "03/02/2026 3:15 a.m.</time>" in row


def test_unknown_language_or_zone_is_refused(world: World, alice: Client) -> None:
    alice.post("/preferences/", {"locale": "xx", "time_zone": "UTC"})
    alice.post("/preferences/", {"locale": "ru", "time_zone": "Mars/Olympus"})

    world.cast.alice.refresh_from_db()
    assert User.objects.get(pk=world.cast.alice.user_id).locale == "en"
    assert world.cast.alice.time_zone == "UTC"


def test_an_agent_switches_between_workspaces(world: World, alice: Client) -> None:
    from javob.accounts.actions import do_create_workspace

    other, _owner = do_create_workspace("Filial", "alice@example.com")

    response = alice.post(f"/workspaces/{other.pk}")

    assert response["Location"] == "/inbox/"
    assert "Filial" in alice.get("/inbox/").content.decode()
    assert alice.post(f"/workspaces/{world.cast.b.pk}").status_code == 404


def test_an_agent_sets_an_email_signature_for_this_workspace(world: World, alice: Client) -> None:
    # when Alice saves a signature with Windows line ends and trailing spaces
    response = alice.post(
        "/preferences/",
        {"locale": "en", "time_zone": "UTC", "email_signature": "Alice  \r\nShop support\r\n"},
    )
    # then it is kept, tidied, on her membership, and the page shows it back
    assert response["Location"] == "/preferences/"
    world.cast.alice.refresh_from_db()
    assert world.cast.alice.email_signature == "Alice\nShop support"
    page = alice.get("/preferences/").content.decode()
    assert (
        '<textarea name="email_signature" id="email-signature" rows="4" maxlength="2000" '
        'aria-describedby="email-signature-help">Alice\nShop support</textarea>'
    ) in page
    # and a form without the field (an older page) leaves it alone
    alice.post("/preferences/", {"locale": "en", "time_zone": "Asia/Tashkent"})
    world.cast.alice.refresh_from_db()
    assert (world.cast.alice.email_signature, world.cast.alice.time_zone) == (
        "Alice\nShop support",
        "Asia/Tashkent",
    )


def test_a_too_long_email_signature_is_refused(world: World, alice: Client) -> None:
    alice.post("/preferences/", {"locale": "en", "time_zone": "UTC", "email_signature": "Alice"})
    response = alice.post(
        "/preferences/",
        {"locale": "en", "time_zone": "Asia/Tashkent", "email_signature": "x" * 2001},
        follow=True,
    )
    assert "The email signature can be at most 2000 characters." in response.content.decode()
    world.cast.alice.refresh_from_db()
    assert (world.cast.alice.email_signature, world.cast.alice.time_zone) == ("Alice", "UTC")
