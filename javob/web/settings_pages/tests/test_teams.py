from django.test import Client

from conftest import Cast
from javob.accounts.models import Team
from javob.conversations.actions import check_assign, receive_message
from javob.conversations.tests.factories import inbound
from javob.web.settings_pages.tests.support import snapshot, table_rows


def members(team_name: str) -> list[str]:
    team = Team.objects.get(name=team_name)
    return sorted(team.members.values_list("user__email", flat=True))


def test_the_team_list_shows_members_and_conversations(cast: Cast, alice: Client) -> None:
    response = alice.get("/settings/teams/")

    assert table_rows(response) == [
        ["Sales", "bob@example.com", "0", "Edit"],
        ["Support", "alice@example.com", "0", "Edit"],
    ]


def test_an_admin_creates_a_team_with_members(cast: Cast, alice: Client) -> None:
    response = alice.post(
        "/settings/teams/", {"name": " Billing ", "members": [cast.alice.pk, cast.bob.pk]}
    )

    assert response.status_code == 302
    assert members("Billing") == ["alice@example.com", "bob@example.com"]
    assert Team.objects.get(name="Billing").workspace_id == cast.a.pk


def test_a_taken_team_name_is_shown_next_to_the_name(cast: Cast, alice: Client) -> None:
    before = snapshot()

    response = alice.post("/settings/teams/", {"name": "Sales"})

    assert response.context["form"].errors == {"name": ["A team with this name exists."]}
    assert snapshot() == before


def test_an_admin_renames_a_team_and_changes_its_members(cast: Cast, alice: Client) -> None:
    response = alice.post(
        f"/settings/teams/{cast.sales.pk}/", {"name": "Sales EMEA", "members": [cast.alice.pk]}
    )

    assert response.status_code == 302
    names = Team.objects.filter(workspace=cast.a).order_by("name").values_list("name", flat=True)
    assert list(names) == ["Sales EMEA", "Support"]
    assert members("Sales EMEA") == ["alice@example.com"]


def test_an_empty_team_is_deleted(cast: Cast, alice: Client) -> None:
    response = alice.post(f"/settings/teams/{cast.sales.pk}/delete/")

    assert response.status_code == 302
    assert list(Team.objects.filter(workspace=cast.a).values_list("name", flat=True)) == ["Support"]


def test_a_team_with_conversations_is_not_deleted(cast: Cast, alice: Client) -> None:
    received = receive_message(inbound(cast.inbox_a.pk))
    check_assign(cast.alice, received.message.conversation_id, team_id=cast.sales.pk)
    before = snapshot()

    response = alice.post(f"/settings/teams/{cast.sales.pk}/delete/", follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        "1 conversation belongs to this team; move it to another team first."
    ]
    assert snapshot() == before
