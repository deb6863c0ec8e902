"""WhatsApp's 24-hour window in the composer: the notice and the approved-template picker."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from javob.connectors.meta.tests.graphserver import graph_server
from javob.connectors.whatsapp.models import MessageTemplate
from javob.connectors.whatsapp.tests.test_templates import _conversation, _synced
from javob.conversations.models import Message
from javob.web.tests.conftest import browser
from javob.web.tests.pages import text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loopback(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]  # the local Graph server


def test_a_closed_window_offers_only_approved_templates_with_their_variables(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    alice, charlie = browser(cast.alice), browser(cast.charlie)
    with graph_server() as graph:
        inbox = _synced(cast, graph)
        conversation = _conversation(client, inbox, on_commit)
        template = MessageTemplate.objects.get(name="order_update")

        body = text(alice.get(f"/conversations/{conversation.pk}/"))
        assert "The 24-hour WhatsApp window is closed" in body
        assert re.findall(r"<summary>(\w+) <span", body) == ["order_update", "welcome_back"]
        assert re.findall(r'name="slot-(\w+)"', body)[:4] == ["header", "body", "body", "button_0"]

        values = {
            "template_id": template.pk,
            "slot-header": ["#1042"],
            "slot-body": ["Dilnoza", "25-noyabr"],
            "slot-button_0": ["1042"],
        }
        url = f"/conversations/{conversation.pk}/template"
        assert charlie.post(url, values).status_code == 404
        with on_commit():
            assert alice.post(url, values).status_code == 302
    sent = Message.objects.get(direction="outgoing")
    assert sent.text.startswith("Buyurtma #1042\n\nSalom Dilnoza!")
    assert sent.metadata["whatsapp_template"]["name"] == "order_update"
