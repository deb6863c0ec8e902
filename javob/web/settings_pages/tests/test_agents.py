import logging

import pytest
from django.test import Client

from conftest import Cast
from javob.accounts.actions import AgentInput, check_change_role, do_add_agent, do_create_token
from javob.accounts.models import Membership, Role
from javob.accounts.queries import membership_for_token
from javob.core.errors import PermissionDenied
from javob.web.settings_pages.tests.support import snapshot, table_rows


def test_the_agent_list_shows_every_agent_with_role_languages_teams_and_availability(
    cast: Cast, alice: Client
) -> None:
    invited = do_add_agent(cast.a, AgentInput(email="dave@example.com", display_name="Dave"))

    response = alice.get("/settings/agents/")

    assert response.status_code == 200
    assert table_rows(response) == [
        ["owner-a@example.com", "owner-a@example.com", "Owner", "", "", "Offline", "Edit"],
        ["alice@example.com", "alice@example.com", "Admin", "uz, ru", "Support", "Offline", "Edit"],
        ["bob@example.com", "bob@example.com", "Agent", "en", "Sales", "Offline", "Edit"],
        ["Dave", "dave@example.com", "Agent", "", "", "Offline", "Edit"],
    ]
    assert f'action="/settings/agents/{invited.pk}/reinvite/"' in response.content.decode()


def test_an_admin_changes_role_languages_and_teams(cast: Cast, alice: Client) -> None:
    response = alice.post(
        f"/settings/agents/{cast.bob.pk}/",
        {"role": "supervisor", "languages": "uz-Cyrl, ru ,en", "teams": [cast.support.pk]},
    )

    assert response.status_code == 302
    assert response["Location"] == "/settings/agents/"
    bob = Membership.objects.get(pk=cast.bob.pk)
    assert (bob.role, bob.languages) == ("supervisor", ["en", "ru", "uz-Cyrl"])
    assert list(bob.teams.values_list("name", flat=True)) == ["Support"]
    page = alice.get("/settings/agents/")
    assert [
        "bob@example.com",
        "bob@example.com",
        "Supervisor",
        "en, ru, uz-Cyrl",
        "Support",
        "Offline",
        "Edit",
    ] in table_rows(page)


def test_a_bad_language_code_is_shown_next_to_the_languages_field(
    cast: Cast, alice: Client
) -> None:
    before = snapshot()

    response = alice.post(
        f"/settings/agents/{cast.bob.pk}/", {"role": "agent", "languages": "uz, english!"}
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"languages": ["Not a language tag: english!"]}
    assert snapshot() == before


def test_an_admin_cannot_make_an_owner(cast: Cast, alice: Client) -> None:
    before = snapshot()

    response = alice.post(f"/settings/agents/{cast.bob.pk}/", {"role": "owner", "languages": ""})

    assert response.context["form"].errors == {
        "role": ["Select a valid choice. owner is not one of the available choices."]
    }
    assert snapshot() == before
    with pytest.raises(PermissionDenied):
        check_change_role(cast.alice, cast.bob.pk, Role.OWNER)


def test_an_admin_cannot_demote_an_owner(cast: Cast, alice: Client) -> None:
    owner = Membership.objects.get(workspace=cast.a, role=Role.OWNER)
    before = snapshot()

    # The page shows the owner's role disabled: a posted role is ignored.
    response = alice.post(f"/settings/agents/{owner.pk}/", {"role": "agent", "languages": ""})

    assert response.status_code == 302
    assert Membership.objects.get(pk=owner.pk).role == Role.OWNER
    assert snapshot() == before
    with pytest.raises(PermissionDenied):
        check_change_role(cast.alice, owner.pk, Role.AGENT)


def test_the_last_owner_cannot_step_down(cast: Cast, owner: Client) -> None:
    me = Membership.objects.get(workspace=cast.a, role=Role.OWNER)
    before = snapshot()

    response = owner.post(f"/settings/agents/{me.pk}/", {"role": "admin", "languages": ""})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "role": ["A workspace needs an owner; make another agent an owner first."]
    }
    assert snapshot() == before


def test_an_owner_makes_another_owner_and_can_then_step_down(cast: Cast, owner: Client) -> None:
    me = Membership.objects.get(workspace=cast.a, role=Role.OWNER)

    owner.post(f"/settings/agents/{cast.alice.pk}/", {"role": "owner", "languages": "uz"})
    response = owner.post(f"/settings/agents/{me.pk}/", {"role": "admin", "languages": ""})

    assert response.status_code == 302
    roles = dict(Membership.objects.filter(workspace=cast.a).values_list("pk", "role"))
    assert roles == {me.pk: "admin", cast.alice.pk: "owner", cast.bob.pk: "agent"}


def test_deactivating_an_agent_keeps_the_row_and_locks_them_out(
    cast: Cast, alice: Client, bob: Client, caplog: pytest.LogCaptureFixture
) -> None:
    _token, secret = do_create_token(cast.bob, "bob's script")
    caplog.set_level(logging.INFO, logger="javob.audit")

    response = alice.post(f"/settings/agents/{cast.bob.pk}/deactivate/")

    assert response.status_code == 302
    assert (
        Membership.objects.filter(pk=cast.bob.pk).values_list("is_active", flat=True).get() is False
    )
    assert membership_for_token(secret) is None
    assert bob.get("/settings/agents/").status_code == 404  # no active workspace any more
    assert [r.getMessage() for r in caplog.records if r.name == "javob.audit"] == [
        f"agent.deactivated workspace={cast.a.pk} actor={cast.alice.pk} membership={cast.bob.pk}"
    ]
    rows = table_rows(alice.get("/settings/agents/"))
    assert rows[-1] == [
        "bob@example.com Deactivated",
        "bob@example.com",
        "Agent",
        "en",
        "Sales",
        "Offline",
        "Edit",
    ]

    alice.post(f"/settings/agents/{cast.bob.pk}/reactivate/")
    assert Membership.objects.get(pk=cast.bob.pk).is_active is True


def test_an_admin_cannot_deactivate_themselves_or_an_owner(cast: Cast, alice: Client) -> None:
    owner = Membership.objects.get(workspace=cast.a, role=Role.OWNER)
    before = snapshot()

    mine = alice.post(f"/settings/agents/{cast.alice.pk}/deactivate/", follow=True)
    theirs = alice.post(f"/settings/agents/{owner.pk}/deactivate/", follow=True)

    assert [str(m) for m in mine.context["messages"]] == ["You cannot deactivate yourself."]
    assert [str(m) for m in theirs.context["messages"]] == [
        "Only an owner can deactivate an owner."
    ]
    assert snapshot() == before
