"""Agents, teams, the caller's profile and inboxes through the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conftest import Cast
from javob.accounts.models import Membership, Team, User
from javob.conversations.models import Inbox
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_me_describes_the_caller_and_workspace(cast: Cast, alice: ApiClient) -> None:
    assert alice.get("/me").body == {
        "id": cast.alice.pk,
        "email": "alice@example.com",
        "name": "alice@example.com",
        "role": "admin",
        "languages": ["uz", "ru"],
        "time_zone": "UTC",
        "availability": "offline",
        "team_ids": [cast.support.pk],
        "workspace": {
            "id": cast.a.pk,
            "name": "Workspace A",
            "time_zone": "UTC",
            "default_locale": "en",
        },
    }


def test_availability_changes_for_the_caller_only(cast: Cast, bob: ApiClient) -> None:
    answer = bob.post("/me/availability", {"availability": "online"})
    online = Membership.objects.filter(availability="online").values_list("pk", flat=True)
    assert (answer.status, answer.body["id"], answer.body["availability"]) == (
        200,
        cast.bob.pk,
        "online",
    )
    assert list(online) == [cast.bob.pk]


def test_agents_list_in_one_query_per_relation(
    cast: Cast, alice: ApiClient, django_assert_num_queries: Callable[..., Any]
) -> None:
    alice.get("/me")
    with django_assert_num_queries(3):  # token, agents, teams
        answer = alice.get("/agents")
    assert [(a["email"], a["role"], a["team_ids"]) for a in answer.body] == [
        ("owner-a@example.com", "owner", []),
        ("alice@example.com", "admin", [cast.support.pk]),
        ("bob@example.com", "agent", [cast.sales.pk]),
    ]


def test_admin_adds_an_agent(cast: Cast, alice: ApiClient) -> None:
    answer = alice.post(
        "/agents",
        {
            "email": "Dilshod@Example.com",
            "role": "supervisor",
            "languages": ["uz", "ru"],
            "time_zone": "Asia/Tashkent",
        },
    )
    member = Membership.objects.get(pk=answer.body["id"])
    assert answer.status == 201
    assert (member.workspace_id, member.user.email, member.role, member.languages) == (
        cast.a.pk,
        "dilshod@example.com",
        "supervisor",
        ["uz", "ru"],
    )


def test_adding_an_existing_user_keeps_their_password(cast: Cast, alice: ApiClient) -> None:
    # given charlie, who signs in to workspace B with a password
    charlie = User.objects.get(pk=cast.charlie.user_id)
    charlie.set_password("charlies-secret-1")
    charlie.save()
    # when alice adds him to A, trying to set a password too
    answer = alice.post("/agents", {"email": "charlie@example.com", "password": "taken-over"})
    # then he is an agent of A and his password is still his own
    charlie.refresh_from_db()
    assert answer.status == 201
    assert charlie.check_password("charlies-secret-1")
    assert not charlie.check_password("taken-over")


def test_admin_cannot_add_an_owner(cast: Cast, alice: ApiClient) -> None:
    answer = alice.post("/agents", {"email": "boss@example.com", "role": "owner"})
    assert (answer.status, answer.body["field"]) == (403, "role")
    assert not User.objects.filter(email="boss@example.com").exists()


def test_teams_list_and_create(cast: Cast, alice: ApiClient) -> None:
    created = alice.post("/teams", {"name": "Billing", "member_ids": [cast.alice.pk, cast.bob.pk]})
    listed = alice.get("/teams")
    assert created.status == 201
    assert created.body == {
        "id": Team.objects.get(name="Billing").pk,
        "name": "Billing",
        "member_ids": sorted([cast.alice.pk, cast.bob.pk]),
    }
    assert [(t["name"], t["member_ids"]) for t in listed.body] == [
        ("Billing", sorted([cast.alice.pk, cast.bob.pk])),
        ("Sales", [cast.bob.pk]),
        ("Support", [cast.alice.pk]),
    ]


def test_inboxes_never_show_secrets(cast: Cast, alice: ApiClient, settings: Any) -> None:
    settings.JAVOB_PUBLIC_URL = "https://javob.example.com"
    listed = alice.get("/inboxes").body
    one = alice.get(f"/inboxes/{cast.inbox_a.pk}").body
    assert one == {
        "id": cast.inbox_a.pk,
        "kind": "api",
        "name": "API A",
        "settings": {"webhook_url": "https://hooks.example.com/a"},
        "languages": [],
        "team_id": None,
        "reopen_grace_hours": 168,
        "is_active": True,
        "webhook_url": f"https://javob.example.com/hooks/api/{cast.inbox_a.pk}",
        "created_at": one["created_at"],
    }
    assert listed == [one]
    assert Inbox.objects.get(pk=cast.inbox_a.pk).secrets["webhook_secret"] not in str(one)


def test_admin_adds_an_inbox(cast: Cast, alice: ApiClient) -> None:
    answer = alice.post(
        "/inboxes",
        {
            "kind": "api",
            "name": "Shop",
            "options": {"webhook_url": "https://shop.example.com/h"},
            "languages": ["uz"],
        },
    )
    inbox = Inbox.objects.get(pk=answer.body["id"])
    assert answer.status == 201
    assert (inbox.workspace_id, inbox.kind, inbox.languages) == (cast.a.pk, "api", ["uz"])
    assert "secrets" not in answer.body
    assert len(inbox.secrets["webhook_secret"]) >= 32
