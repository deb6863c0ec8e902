"""Templates: synced from the business account, sent with their variables filled in."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from conftest import Cast
from javob.connectors.meta.tests.graphserver import GraphServer, graph_error, graph_server
from javob.connectors.whatsapp.actions import (
    check_send_template,
    check_sync_templates,
    do_sync_templates,
)
from javob.connectors.whatsapp.models import MessageTemplate
from javob.connectors.whatsapp.tests.support import payload, post_hook, whatsapp_inbox
from javob.conversations.models import Conversation, Delivery, Message
from javob.core.errors import ActionError, PermissionDenied

pytestmark = pytest.mark.django_db

ORDER_UPDATE: dict[str, Any] = {
    "id": "594425479261596",
    "name": "order_update",
    "language": "uz",
    "status": "APPROVED",
    "category": "UTILITY",
    "parameter_format": "POSITIONAL",
    "components": [
        {"type": "HEADER", "format": "TEXT", "text": "Buyurtma {{1}}"},
        {"type": "BODY", "text": "Salom {{1}}! Buyurtmangiz {{2}} kuni yetkaziladi."},
        {"type": "FOOTER", "text": "Javob do'koni"},
        {
            "type": "BUTTONS",
            "buttons": [
                {"type": "URL", "text": "Kuzatish", "url": "https://shop.example.uz/t/{{1}}"}
            ],
        },
    ],
}
NAMED: dict[str, Any] = {
    "id": "777",
    "name": "welcome_back",
    "language": "ru",
    "status": "APPROVED",
    "category": "MARKETING",
    "parameter_format": "NAMED",
    "components": [{"type": "BODY", "text": "Здравствуйте, {{first_name}}!"}],
}
PENDING: dict[str, Any] = {
    "id": "888",
    "name": "promo",
    "language": "en_US",
    "status": "PENDING",
    "category": "MARKETING",
    "components": [{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "Sale"}],
}


@pytest.fixture(autouse=True)
def _loopback(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]


def _synced(cast: Cast, graph: GraphServer) -> Any:
    graph.templates = [[ORDER_UPDATE, NAMED], [PENDING]]
    inbox = whatsapp_inbox(cast.a, graph.base)
    do_sync_templates(inbox)
    return inbox


def test_sync_follows_the_pages_and_stores_every_template(cast: Cast) -> None:
    with graph_server() as graph:
        inbox = _synced(cast, graph)
    rows = list(
        MessageTemplate.objects.order_by("name").values_list(
            "inbox_id",
            "workspace_id",
            "meta_id",
            "name",
            "language",
            "status",
            "category",
            "parameter_format",
        )
    )
    assert rows == [
        (
            inbox.pk,
            cast.a.pk,
            "594425479261596",
            "order_update",
            "uz",
            "APPROVED",
            "UTILITY",
            "positional",
        ),
        (inbox.pk, cast.a.pk, "888", "promo", "en_US", "PENDING", "MARKETING", "positional"),
        (inbox.pk, cast.a.pk, "777", "welcome_back", "ru", "APPROVED", "MARKETING", "named"),
    ]
    paths = [r.path for r in graph.requests]
    fields = (
        "fields=id%2Cname%2Clanguage%2Cstatus%2Ccategory%2Ccomponents%2Cparameter_format&limit=100"
    )
    assert paths == [
        f"/v21.0/102290129340398/message_templates?{fields}",
        f"/v21.0/102290129340398/message_templates?{fields}&after=1",
    ]


def test_a_second_sync_updates_and_removes_what_meta_no_longer_has(cast: Cast) -> None:
    with graph_server() as graph:
        inbox = _synced(cast, graph)
        graph.templates = [[{**ORDER_UPDATE, "status": "PAUSED"}]]
        assert do_sync_templates(inbox) == 1
    assert list(MessageTemplate.objects.values_list("name", "status")) == [
        ("order_update", "PAUSED")
    ]


def test_sync_refusal_is_a_clear_error_and_changes_nothing(cast: Cast) -> None:
    with graph_server() as graph:
        inbox = _synced(cast, graph)
        graph.fail("/v21.0/102290129340398", graph_error(190, "Session has expired", status=401))
        with pytest.raises(ActionError) as raised:
            do_sync_templates(inbox)
    assert raised.value.field == "waba_id"
    assert "Session has expired (code 190)" in raised.value.message
    assert MessageTemplate.objects.count() == 3


def test_only_admins_sync_and_only_their_workspace(cast: Cast) -> None:
    inbox = whatsapp_inbox(cast.a)
    with pytest.raises(PermissionDenied):
        check_sync_templates(cast.bob, inbox.pk)
    with pytest.raises(ActionError):
        check_sync_templates(cast.charlie, inbox.pk)
    assert MessageTemplate.objects.count() == 0


def test_the_command_syncs_and_lists(cast: Cast) -> None:
    with graph_server() as graph:
        graph.templates = [[NAMED]]
        inbox = whatsapp_inbox(cast.a, graph.base)
        out = StringIO()
        call_command("whatsapp", "templates", str(inbox.pk), stdout=out)
    template = MessageTemplate.objects.get()
    assert json.loads(out.getvalue()) == {
        "inbox": inbox.pk,
        "synced": 1,
        "templates": [
            {"id": template.pk, "name": "welcome_back", "language": "ru", "status": "APPROVED"}
        ],
    }


def _conversation(client: Client, inbox: Any, on_commit: Callable[..., Any]) -> Conversation:
    with on_commit():
        post_hook(client, inbox, payload("message__text"))  # sent in 2023: the window is closed
    return Conversation.objects.get()


def test_a_template_is_sent_outside_the_window_with_its_variables(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = _synced(cast, graph)
        conversation = _conversation(client, inbox, on_commit)
        template = MessageTemplate.objects.get(name="order_update")
        values = {"header": ["#1042"], "body": ["Dilnoza", "25-noyabr"], "button_0": ["1042"]}
        with on_commit():
            message = check_send_template(cast.alice, conversation.pk, template.pk, values)
        send = graph.requests[-1]
    assert send.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "972987654321",
        "type": "template",
        "template": {
            "name": "order_update",
            "language": {"code": "uz"},
            "components": [
                {"type": "header", "parameters": [{"type": "text", "text": "#1042"}]},
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Dilnoza"},
                        {"type": "text", "text": "25-noyabr"},
                    ],
                },
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "1042"}],
                },
            ],
        },
    }
    message.refresh_from_db()
    assert (
        message.text == "Buyurtma #1042\n\nSalom Dilnoza! Buyurtmangiz 25-noyabr kuni yetkaziladi."
        "\n\nJavob do'koni"
    )
    assert (message.delivery_status, message.external_id, message.sender_agent_id) == (
        Delivery.SENT,
        "wamid.out-1",
        cast.alice.pk,
    )


def test_named_parameters_carry_their_names(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = _synced(cast, graph)
        conversation = _conversation(client, inbox, on_commit)
        template = MessageTemplate.objects.get(name="welcome_back")
        with on_commit():
            message = check_send_template(
                cast.alice, conversation.pk, template.pk, {"body": ["Рустам"]}
            )
        send = graph.requests[-1]
    assert send.json()["template"]["components"] == [
        {
            "type": "body",
            "parameters": [{"type": "text", "text": "Рустам", "parameter_name": "first_name"}],
        }
    ]
    assert Message.objects.get(pk=message.pk).text == "Здравствуйте, Рустам!"


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"body": ["Dilnoza", "25-noyabr"], "button_0": ["1"]}, "header needs 1 values, got 0."),
        ({"header": ["#1"], "body": ["Dilnoza"], "button_0": ["1"]}, "body needs 2 values, got 1."),
        (
            {"header": ["#1"], "body": ["Dilnoza", " "], "button_0": ["1"]},
            "Every variable of body needs a value (at most 1024 characters).",
        ),
        (
            {"header": ["#1"], "body": ["a", "b"], "button_0": ["1"], "footer": ["x"]},
            "This template has no variables in footer.",
        ),
    ],
    ids=["missing-header", "short-body", "blank", "extra"],
)
def test_wrong_variables_are_refused_and_nothing_is_queued(
    cast: Cast,
    client: Client,
    on_commit: Callable[..., Any],
    values: dict[str, list[str]],
    error: str,
) -> None:
    with graph_server() as graph:
        inbox = _synced(cast, graph)
        conversation = _conversation(client, inbox, on_commit)
        template = MessageTemplate.objects.get(name="order_update")
        with pytest.raises(ActionError) as raised:
            check_send_template(cast.alice, conversation.pk, template.pk, values)
    assert (raised.value.message, raised.value.field) == (error, "variables")
    assert Message.objects.filter(direction="outgoing").count() == 0


def test_a_template_not_approved_or_of_another_inbox_is_refused(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    from javob.core.errors import NotFound

    with graph_server() as graph:
        inbox = _synced(cast, graph)
        conversation = _conversation(client, inbox, on_commit)
        pending = MessageTemplate.objects.get(name="promo")
        with pytest.raises(ActionError) as raised:
            check_send_template(
                cast.alice, conversation.pk, pending.pk, {"header": ["https://x.uz/a.jpg"]}
            )
        assert raised.value.message == "Only an approved template can be sent."
        with pytest.raises(NotFound):
            check_send_template(cast.charlie, conversation.pk, pending.pk, {})
    assert Message.objects.filter(direction="outgoing").count() == 0


def test_a_review_result_webhook_updates_the_synced_template(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    with graph_server() as graph:
        inbox = _synced(cast, graph)
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "time": 1763900000,
                "changes": [
                    {
                        "field": "message_template_status_update",
                        "value": {
                            "event": "PAUSED",
                            "message_template_id": 594425479261596,
                            "message_template_name": "order_update",
                            "message_template_language": "uz",
                            "reason": None,
                        },
                    }
                ],
            }
        ],
    }
    with on_commit():
        assert post_hook(client, inbox, body).status_code == 200
    assert MessageTemplate.objects.get(name="order_update").status == "PAUSED"
    assert MessageTemplate.objects.get(name="welcome_back").status == "APPROVED"
    assert Message.objects.count() == 0
