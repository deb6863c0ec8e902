"""Tenant isolation and roles on every endpoint: charlie sees nothing of workspace A, bob sees
only what his team and assignments allow, and plain agents cannot administer.

Each refused request is also checked to have changed nothing in the database.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Cast
from javob.conversations.models import Conversation
from tests.api.conftest import ApiClient, World, fill, ids, snapshot

pytestmark = pytest.mark.django_db

FUTURE = "2099-01-01T09:00:00+05:00"
INBOUND = {"id": "spy-1", "sender": {"id": "spy"}, "text": "Let me in"}


# (method, path, body, expected status, field named in the error)
CHARLIE_ON_A = [
    ("GET", "/conversations/{conv}", None, 404, "conversation_id"),
    ("POST", "/conversations/{conv}/reply", {"text": "hi"}, 404, "conversation_id"),
    ("POST", "/conversations/{conv}/notes", {"text": "hi"}, 404, "conversation_id"),
    ("POST", "/conversations/{conv}/assign", {"assignee_id": None}, 404, "conversation_id"),
    ("POST", "/conversations/{conv}/status", {"status": "resolved"}, 404, "conversation_id"),
    ("POST", "/conversations/{conv}/snooze", {"until": FUTURE}, 404, "conversation_id"),
    ("POST", "/conversations/{conv}/priority", {"priority": "high"}, 404, "conversation_id"),
    ("PUT", "/conversations/{conv}/labels", {"names": ["vip"]}, 404, "conversation_id"),
    ("POST", "/conversations/{conv}/merge", {"into": "{conv_b}"}, 404, "conversation_id"),
    ("POST", "/conversations/{conv_b}/merge", {"into": "{conv}"}, 404, "into"),
    ("POST", "/conversations/{conv_b}/assign", {"assignee_id": "{alice}"}, 404, "assignee_id"),
    ("POST", "/conversations/{conv_b}/assign", {"team_id": "{team}"}, 404, "team_id"),
    ("POST", "/messages/{msg}/split", None, 404, "message_id"),
    ("POST", "/messages/{msg}/retry", None, 404, "message_id"),
    ("GET", "/contacts/{contact}", None, 404, "contact_id"),
    ("PATCH", "/contacts/{contact}", {"name": "Mine now"}, 404, "contact_id"),
    ("POST", "/contacts/{contact}/merge", {"into": "{contact_b}"}, 404, "contact_id"),
    ("POST", "/contacts/{contact_b}/merge", {"into": "{contact}"}, 404, "into"),
    ("GET", "/inboxes/{inbox}", None, 404, "inbox_id"),
    ("POST", "/inboxes/{inbox}/messages", INBOUND, 404, "inbox_id"),
    ("POST", "/inboxes/{inbox}/statuses", {"message_id": "x", "status": "read"}, 404, "inbox_id"),
    ("POST", "/teams", {"name": "Spies", "member_ids": ["{alice}"]}, 400, "member_ids"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    CHARLIE_ON_A,
    ids=[f"{case[0]} {case[1]} {case[4]}" for case in CHARLIE_ON_A],
)
def test_charlie_cannot_reach_workspace_a(
    cast: Cast,
    world: World,
    charlie: ApiClient,
    method: str,
    path: str,
    body: Any,
    status: int,
    field: str,
) -> None:
    # given workspace A's data and charlie, owner of workspace B
    values = ids(cast, world)
    before = snapshot()
    # when charlie names an object of A
    answer = charlie.call(method, path.format(**values), fill(body, values))
    # then he is refused as if it did not exist, and nothing changed
    assert (answer.status, answer.body["field"]) == (status, field)
    assert snapshot() == before


def test_charlie_lists_only_workspace_b(cast: Cast, world: World, charlie: ApiClient) -> None:
    # given data in both workspaces
    # when charlie lists everything, also filtering by A's ids
    lists = {
        "conversations": charlie.get("/conversations").body["items"],
        "by inbox": charlie.get("/conversations", {"inbox_id": cast.inbox_a.pk}).body["items"],
        "by team": charlie.get("/conversations", {"team_id": cast.support.pk}).body["items"],
        "by assignee": charlie.get("/conversations", {"assignee_id": cast.bob.pk}).body["items"],
        "contacts": charlie.get("/contacts").body["items"],
        "search": charlie.get("/contacts", {"q": "open-customer"}).body["items"],
        "agents": charlie.get("/agents").body,
        "teams": charlie.get("/teams").body,
        "inboxes": charlie.get("/inboxes").body,
    }
    # then he sees only workspace B
    assert {name: [row["id"] for row in rows] for name, rows in lists.items()} == {
        "conversations": [world.conv_b.pk],
        "by inbox": [],
        "by team": [],
        "by assignee": [],
        "contacts": [world.conv_b.contact_id],
        "search": [],
        "agents": [cast.charlie.pk],
        "teams": [],
        "inboxes": [cast.inbox_b.pk],
    }
    assert charlie.get("/me").body["workspace"]["id"] == cast.b.pk


# bob (agent, team Sales) and a conversation of team Support.
BOB_ON_SUPPORT = [
    ("GET", "/conversations/{support}", None, "conversation_id"),
    ("POST", "/conversations/{support}/reply", {"text": "hi"}, "conversation_id"),
    ("POST", "/conversations/{support}/notes", {"text": "hi"}, "conversation_id"),
    ("POST", "/conversations/{support}/assign", {"assignee_id": "{bob}"}, "conversation_id"),
    ("POST", "/conversations/{support}/assign", {"team_id": None}, "conversation_id"),
    ("POST", "/conversations/{support}/status", {"status": "closed"}, "conversation_id"),
    ("POST", "/conversations/{support}/snooze", {"until": FUTURE}, "conversation_id"),
    ("POST", "/conversations/{support}/priority", {"priority": "low"}, "conversation_id"),
    ("PUT", "/conversations/{support}/labels", {"names": ["x"]}, "conversation_id"),
    ("POST", "/conversations/{support}/merge", {"into": "{open}"}, "conversation_id"),
    ("POST", "/conversations/{open}/merge", {"into": "{support}"}, "into"),
    ("POST", "/messages/{support_msg}/split", None, "message_id"),
    ("POST", "/messages/{support_msg}/retry", None, "message_id"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    BOB_ON_SUPPORT,
    ids=[f"{case[0]} {case[1]} {case[3]}" for case in BOB_ON_SUPPORT],
)
def test_bob_cannot_reach_another_teams_conversation(
    cast: Cast, world: World, bob: ApiClient, method: str, path: str, body: Any, field: str
) -> None:
    # given a conversation of team Support, which bob (team Sales) is not in
    values = ids(cast, world)
    before = snapshot()
    # when bob names it
    answer = bob.call(method, path.format(**values), fill(body, values))
    # then it does not exist for him, and nothing changed
    assert (answer.status, answer.body["field"]) == (404, field)
    assert snapshot() == before


def test_bob_sees_unteamed_and_his_own_conversations(
    cast: Cast, world: World, bob: ApiClient
) -> None:
    # given an unteamed conversation, a Support one and a Support one assigned to bob
    # when bob lists and opens them
    listed = [row["id"] for row in bob.get("/conversations").body["items"]]
    by_team = [
        row["id"] for row in bob.get("/conversations", {"team_id": cast.support.pk}).body["items"]
    ]
    opened = [bob.get(f"/conversations/{pk}").status for pk in (world.open_a.pk, world.bobs_a.pk)]
    contact = bob.get(f"/contacts/{world.support_a.contact_id}").body
    # then he sees the unteamed one and his own, newest first, but not the other Support one
    assert listed == [world.bobs_a.pk, world.open_a.pk]
    assert by_team == [world.bobs_a.pk]
    assert opened == [200, 200]
    assert contact["conversations"] == []


def test_bob_can_work_on_a_conversation_assigned_to_him(
    cast: Cast, world: World, bob: ApiClient
) -> None:
    # given a Support conversation assigned to bob
    # when he adds a note and resolves it
    note = bob.post(f"/conversations/{world.bobs_a.pk}/notes", {"text": "Looking into it"})
    resolved = bob.post(f"/conversations/{world.bobs_a.pk}/status", {"status": "resolved"})
    # then both work
    assert (note.status, note.body["direction"], note.body["sender_agent_id"]) == (
        201,
        "note",
        cast.bob.pk,
    )
    assert (resolved.status, resolved.body["status"]) == (200, "resolved")
    assert Conversation.objects.get(pk=world.bobs_a.pk).status == "resolved"


ADMIN_ONLY = [
    ("POST", "/inboxes", {"kind": "api", "name": "Bob's inbox"}),
    ("POST", "/agents", {"email": "mallory@example.com", "role": "admin"}),
    ("POST", "/teams", {"name": "Bob's team", "member_ids": ["{bob}"]}),
    ("POST", "/contacts/{contact}/merge", {"into": "{support_contact}"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ONLY, ids=[c[1] for c in ADMIN_ONLY])
def test_plain_agent_gets_403_on_admin_endpoints(
    cast: Cast, world: World, bob: ApiClient, method: str, path: str, body: Any
) -> None:
    # given bob, a plain agent
    values = ids(cast, world)
    before = snapshot()
    # when he calls an endpoint for admins
    answer = bob.call(method, path.format(**values), fill(body, values))
    # then he is forbidden and nothing was created
    assert answer.status == 403
    assert answer.body["detail"]
    assert snapshot() == before
