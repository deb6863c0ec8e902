"""Fixtures of the API tests: a client per member of the cast, and data in both workspaces."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from javob.accounts.actions import do_create_token
from javob.accounts.models import Membership, Team, User, Workspace
from javob.contacts.models import Contact, ContactIdentity, ContactMerge
from javob.conversations.actions import check_assign, receive_message
from javob.conversations.models import Attachment, Conversation, Event, Inbox, Label, Message
from javob.conversations.tests.factories import inbound

BASE = "/api/v1"


@dataclass
class Answer:
    status: int
    body: Any


class ApiClient:
    """Django's test client speaking JSON to /api/v1 with one agent's bearer token."""

    def __init__(self, secret: str | None, client: Client | None = None) -> None:
        self.client = client or Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}

    def call(self, method: str, path: str, body: Any = None, **extra: str) -> Answer:
        handler = getattr(self.client, method.lower())
        if method == "GET":
            response = handler(BASE + path, body or {}, **self.headers, **extra)
        else:
            data = body if isinstance(body, str | bytes) else json.dumps(body or {})
            response = handler(
                BASE + path, data, content_type="application/json", **self.headers, **extra
            )
        return Answer(response.status_code, json.loads(response.content or b"null"))

    def get(self, path: str, params: dict[str, Any] | None = None) -> Answer:
        return self.call("GET", path, params)

    def post(self, path: str, body: Any = None) -> Answer:
        return self.call("POST", path, body)

    def put(self, path: str, body: Any = None) -> Answer:
        return self.call("PUT", path, body)

    def patch(self, path: str, body: Any = None) -> Answer:
        return self.call("PATCH", path, body)


def client_for(member: Membership) -> ApiClient:
    _token, secret = do_create_token(member, "tests")
    return ApiClient(secret)


@pytest.fixture
def alice(cast: Cast) -> ApiClient:
    return client_for(cast.alice)


@pytest.fixture
def bob(cast: Cast) -> ApiClient:
    return client_for(cast.bob)


@pytest.fixture
def charlie(cast: Cast) -> ApiClient:
    return client_for(cast.charlie)


@dataclass
class World:
    """Conversations of workspace A as bob sees them, and one of workspace B."""

    open_a: Conversation  # no team: everyone in A sees it
    support_a: Conversation  # team Support: bob does not see it
    bobs_a: Conversation  # team Support but assigned to bob: he sees it
    first_msg: Message  # first message of open_a
    second_msg: Message  # second message of open_a
    support_msg: Message  # second message of support_a
    conv_b: Conversation


def receive(inbox_id: int, sender: str, text: str = "Salom") -> Message:
    return receive_message(inbound(inbox_id, sender, text)).message


@pytest.fixture
def world(cast: Cast) -> World:
    first = receive(cast.inbox_a.pk, "open-customer", "Buyurtmam qayerda?")
    second = receive(cast.inbox_a.pk, "open-customer", "Yana bir savol")
    support_first = receive(cast.inbox_a.pk, "support-customer", "Где мой заказ?")
    support_msg = receive(cast.inbox_a.pk, "support-customer", "Ответьте, пожалуйста")
    check_assign(cast.alice, support_first.conversation_id, team_id=cast.support.pk)
    bobs = receive(cast.inbox_a.pk, "bobs-customer", "Hello")
    check_assign(cast.alice, bobs.conversation_id, team_id=cast.support.pk, assignee_id=cast.bob.pk)
    in_b = receive(cast.inbox_b.pk, "b-customer", "Hi from B")
    return World(
        open_a=first.conversation,
        support_a=support_first.conversation,
        bobs_a=bobs.conversation,
        first_msg=first,
        second_msg=second,
        support_msg=support_msg,
        conv_b=in_b.conversation,
    )


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row an endpoint could write, to prove that a refused request changed nothing."""
    models: list[Any] = [
        User,
        Workspace,
        Membership,
        Team,
        Team.members.through,
        Inbox,
        Contact,
        ContactIdentity,
        ContactMerge,
        Conversation,
        Conversation.labels.through,
        Conversation.participants.through,
        Label,
        Message,
        Attachment,
        Event,
    ]
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in models}


def ids(cast: Cast, world: World) -> dict[str, int]:
    """Names for the ids that path and body templates of the endpoint tables use."""
    return {
        "conv": world.open_a.pk,
        "open": world.open_a.pk,
        "first_msg": world.first_msg.pk,
        "msg": world.second_msg.pk,
        "contact": world.open_a.contact_id,
        "inbox": cast.inbox_a.pk,
        "alice": cast.alice.pk,
        "bob": cast.bob.pk,
        "team": cast.support.pk,
        "conv_b": world.conv_b.pk,
        "contact_b": world.conv_b.contact_id,
        "support": world.support_a.pk,
        "support_msg": world.support_msg.pk,
        "support_contact": world.support_a.contact_id,
    }


def fill(template: Any, values: dict[str, int]) -> Any:
    """Put ids into a body template: a value "{conv}" becomes the id of `conv`."""
    if isinstance(template, str):
        if template.startswith("{") and template.endswith("}") and template[1:-1] in values:
            return values[template[1:-1]]
        return template
    if isinstance(template, dict):
        return {key: fill(value, values) for key, value in template.items()}
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    return template
