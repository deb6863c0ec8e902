from __future__ import annotations

import pytest

from conftest import Cast
from javob.accounts.actions import AgentInput, check_add_agent, check_create_team
from javob.accounts.models import Membership, Team, User
from javob.core.errors import ActionError, PermissionDenied

pytestmark = pytest.mark.django_db


def test_adding_an_existing_user_as_agent_never_resets_their_password(cast: Cast) -> None:
    # given charlie has an account (in workspace B) with a password
    charlie = User.objects.get(email="charlie@example.com")
    charlie.set_password("charlie-own-password-1")
    charlie.save()
    # when alice adds charlie to workspace A and passes a password
    added = check_add_agent(
        cast.alice, AgentInput(email="charlie@example.com", password="taken-over-123")
    )
    # then charlie is an agent of A, and his password is still his own
    charlie.refresh_from_db()
    assert added.workspace_id == cast.a.pk
    assert charlie.check_password("charlie-own-password-1")
    assert not charlie.check_password("taken-over-123")


def test_plain_agent_cannot_add_agents_or_teams(cast: Cast) -> None:
    before = (Membership.objects.count(), Team.objects.count())
    with pytest.raises(PermissionDenied):
        check_add_agent(cast.bob, AgentInput(email="new@example.com"))
    with pytest.raises(PermissionDenied):
        check_create_team(cast.bob, "Night shift", [])
    assert (Membership.objects.count(), Team.objects.count()) == before


def test_admin_cannot_add_an_owner_and_input_is_validated(cast: Cast) -> None:
    with pytest.raises(PermissionDenied) as owner:
        check_add_agent(cast.alice, AgentInput(email="o@example.com", role="owner"))
    assert owner.value.field == "role"
    for data, field in [
        (AgentInput(email="x@example.com", role="boss"), "role"),
        (AgentInput(email="x@example.com", time_zone="Asia/Samarkand2"), "time_zone"),
        (AgentInput(email="x@example.com", languages=("uzbek",)), "languages"),
        (AgentInput(email="not-an-email"), "email"),
        (AgentInput(email="bob@example.com"), "email"),
    ]:
        with pytest.raises(ActionError) as refused:
            check_add_agent(cast.alice, data)
        assert refused.value.field == field
    assert not User.objects.filter(email__in=["o@example.com", "x@example.com"]).exists()
