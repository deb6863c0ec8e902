"""The inbox settings page and the reply box say plainly what the X access does not allow."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Cast
from javob.connectors.actions import do_add_inbox
from javob.connectors.x.tests.conftest import payload
from javob.connectors.x.tests.fake_x import CONSUMER_SECRET, FakeX
from javob.conversations.models import Inbox, Message
from javob.web.tests.conftest import browser
from javob.web.tests.pages import text

pytestmark = pytest.mark.django_db
NO_DMS = "Replies by direct message cannot be sent with this X access."
NO_REPLY = "Public replies to mentions cannot be posted with this X access."
PUBLIC_NOTE = (
    "A reply here is posted publicly on X under the customer&#x27;s post (at most 280 "
    "characters, a link counts as 23)."
)


@pytest.fixture
def receive_only(cast: Cast, xapi: FakeX) -> Inbox:
    options = {"consumer_secret": CONSUMER_SECRET, "api_url": xapi.url}
    return do_add_inbox(cast.a, "x", "X listening", options, [])


def test_the_settings_page_lists_what_the_inbox_cannot_do(
    cast: Cast, receive_only: Inbox, x_inbox: Inbox
) -> None:
    alice = browser(cast.alice)
    body = text(alice.get(f"/settings/inboxes/{receive_only.pk}/"))
    assert "What this inbox cannot do" in body
    assert f"<li>{NO_DMS}</li><li>{NO_REPLY}</li>" in body
    assert "What this inbox cannot do" not in text(alice.get(f"/settings/inboxes/{x_inbox.pk}/"))


def test_the_reply_box_of_a_mention_says_it_is_public_and_what_is_not_allowed(
    cast: Cast, receive_only: Inbox, deliver: Any
) -> None:
    deliver(receive_only, payload("mention"))
    conversation_id = Message.objects.get().conversation_id
    body = text(browser(cast.alice).get(f"/conversations/{conversation_id}/"))
    assert PUBLIC_NOTE in body
    assert (
        "Your X access does not allow public replies; this mention cannot be answered here." in body
    )


def test_the_reply_box_of_a_connected_dm_has_no_note(
    cast: Cast, x_inbox: Inbox, deliver: Any
) -> None:
    deliver(x_inbox, payload("dm_text"))
    conversation_id = Message.objects.get().conversation_id
    body = text(browser(cast.alice).get(f"/conversations/{conversation_id}/"))
    assert "reply-note" not in body
