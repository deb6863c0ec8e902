"""An agent uploads a picture in the preferences; the web chat shows it to customers from
an address that names no storage path, embeddable from the customer's site."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from javob.accounts.models import Membership
from javob.connectors.webchat.tests.support import Widget, add_webchat
from javob.conversations.actions import check_send_reply
from javob.conversations.models import Message
from javob.web.tests.conftest import World

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
GIF = b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 20


def upload(client: Client, name: str, data: bytes, content_type: str) -> Any:
    picture = SimpleUploadedFile(name, data, content_type)
    return client.post("/preferences/avatar", {"avatar": picture})


def flashed(client: Client) -> list[str]:
    page = client.get("/preferences/")
    return [str(m) for m in page.context["messages"]]


def test_an_agent_uploads_a_picture_and_replaces_it(
    world: World, alice: Client, on_commit: Callable[..., Any]
) -> None:
    with on_commit():
        response = upload(alice, "me.png", PNG, "image/png")

    assert response["Location"] == "/preferences/"
    member = Membership.objects.get(pk=world.cast.alice.pk)
    first_key, first_file = member.avatar_key, str(member.avatar.name)
    assert len(first_key) == 22
    assert re.fullmatch(r"avatars/[0-9a-f]{32}\.png", first_file)
    assert first_key not in first_file
    assert default_storage.open(first_file).read() == PNG

    with on_commit():
        upload(alice, "me.gif", GIF, "image/gif")

    member.refresh_from_db()
    assert member.avatar_key not in ("", first_key)
    assert str(member.avatar.name).endswith(".gif")
    assert not default_storage.exists(first_file)
    with on_commit():
        alice.post("/preferences/avatar", {"remove": "1"})
    gone = str(member.avatar.name)
    member.refresh_from_db()
    assert (member.avatar_key, member.avatar.name) == ("", "")
    assert not default_storage.exists(gone)


@pytest.mark.parametrize(
    ("name", "data", "content_type", "error"),
    [
        (
            "x.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
            "Use a PNG, JPEG, GIF or WebP picture.",
        ),
        (
            "fake.png",
            b"just text, said to be a PNG",
            "image/png",
            "Use a PNG, JPEG, GIF or WebP picture.",
        ),
        (
            "big.png",
            PNG + b"\x00" * (2 * 1024 * 1024),
            "image/png",
            "The picture is too large (at most 2 MB).",
        ),
    ],
)
def test_only_small_raster_images_are_taken(
    world: World, alice: Client, name: str, data: bytes, content_type: str, error: str
) -> None:
    response = upload(alice, name, data, content_type)

    assert response["Location"] == "/preferences/"
    assert flashed(alice) == [error]
    member = Membership.objects.get(pk=world.cast.alice.pk)
    assert (member.avatar_key, member.avatar.name) == ("", "")


def test_the_widget_shows_the_agents_picture_from_a_public_address(
    world: World, alice: Client
) -> None:
    upload(alice, "me.png", PNG, "image/png")
    key = Membership.objects.get(pk=world.cast.alice.pk).avatar_key
    chat = add_webchat(world.cast.a)
    widget = Widget(chat)
    widget.start()
    conversation_id = Message.objects.get(pk=widget.say("c1", "Salom").json()["id"]).conversation_id
    check_send_reply(world.cast.alice, conversation_id, "Assalomu alaykum!")

    history = widget.start().json()["history"]
    picture = Client().get(f"/widget/{widget.public_id}/avatars/{key}")  # an <img>: no Origin

    assert [(m["mine"], m["avatar"]) for m in history] == [(True, ""), (False, key)]
    assert picture.status_code == 200
    assert picture.getvalue() == PNG
    assert picture["Content-Type"] == "image/png"
    assert picture["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert picture["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert picture["X-Content-Type-Options"] == "nosniff"


def test_a_picture_answers_only_for_the_agents_own_workspace_and_current_key(
    world: World, alice: Client
) -> None:
    upload(alice, "me.png", PNG, "image/png")
    key = Membership.objects.get(pk=world.cast.alice.pk).avatar_key
    theirs = Widget(add_webchat(world.cast.b))
    ours = Widget(add_webchat(world.cast.a))

    assert Client().get(f"/widget/{theirs.public_id}/avatars/{key}").status_code == 404
    assert Client().get(f"/widget/{ours.public_id}/avatars/{key}x").status_code == 404
    upload(alice, "me.gif", GIF, "image/gif")
    assert Client().get(f"/widget/{ours.public_id}/avatars/{key}").status_code == 404
