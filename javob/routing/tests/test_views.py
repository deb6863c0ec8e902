from __future__ import annotations

import pytest
from django.test import Client

from conftest import Cast
from javob.accounts.models import Membership
from javob.routing.actions import SettingInput, check_save_setting
from javob.routing.models import ChannelSkills, RoutingSetting

pytestmark = pytest.mark.django_db


def client_for(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def test_alice_adds_and_changes_routing(cast: Cast) -> None:
    client = client_for(cast.alice)
    assert client.get("/settings/routing/").status_code == 200

    added = client.post(
        "/settings/routing/new",
        {
            "scope": f"team:{cast.sales.pk}",
            "enabled": "on",
            "strategy": "fewest_open",
            "capacity": "3",
            "only_online": "on",
        },
    )
    assert (added.status_code, added["Location"]) == (302, "/settings/routing/")
    setting = RoutingSetting.objects.get()
    assert (
        setting.team_id,
        setting.strategy,
        setting.capacity,
        setting.match_language,
        setting.only_online,
    ) == (cast.sales.pk, "fewest_open", 3, False, True)
    client.post(f"/settings/routing/{setting.pk}/", {"strategy": "round_robin", "capacity": "0"})
    setting.refresh_from_db()
    assert (setting.enabled, setting.strategy, setting.capacity, setting.only_online) == (
        False,
        "round_robin",
        0,
        False,
    )
    page = client.get("/settings/routing/").content.decode()
    assert "Team: Sales" in page


def test_a_second_setting_for_the_same_inbox_is_refused_on_the_form(cast: Cast) -> None:
    check_save_setting(cast.alice, SettingInput(), inbox_id=cast.inbox_a.pk)
    response = client_for(cast.alice).post(
        "/settings/routing/new",
        {"scope": f"inbox:{cast.inbox_a.pk}", "strategy": "round_robin", "capacity": "0"},
    )
    assert response.status_code == 200
    assert "This inbox has routing settings already." in response.content.decode()
    assert RoutingSetting.objects.count() == 1


def test_channel_skills_from_the_page(cast: Cast) -> None:
    client_for(cast.alice).post(
        f"/settings/routing/agents/{cast.bob.pk}/channels", {"channels": ["email", "telegram"]}
    )
    assert ChannelSkills.objects.get(membership=cast.bob).channels == ["email", "telegram"]


def test_bob_gets_403_and_changes_nothing(cast: Cast) -> None:
    setting = check_save_setting(cast.alice, SettingInput(), inbox_id=cast.inbox_a.pk)
    client = client_for(cast.bob)
    assert client.get("/settings/routing/").status_code == 403
    assert client.get(f"/settings/routing/{setting.pk}/").status_code == 403
    assert client.post(f"/settings/routing/{setting.pk}/delete").status_code == 403
    assert (
        client.post(
            f"/settings/routing/agents/{cast.bob.pk}/channels", {"channels": ["x"]}
        ).status_code
        == 403
    )
    assert (RoutingSetting.objects.count(), ChannelSkills.objects.count()) == (1, 0)


def test_charlie_gets_404_for_workspace_a_and_changes_nothing(cast: Cast) -> None:
    setting = check_save_setting(cast.alice, SettingInput(capacity=2), inbox_id=cast.inbox_a.pk)
    client = client_for(cast.charlie)
    assert client.get(f"/settings/routing/{setting.pk}/").status_code == 404
    assert (
        client.post(
            f"/settings/routing/{setting.pk}/", {"strategy": "round_robin", "capacity": "9"}
        ).status_code
        == 404
    )
    assert client.post(f"/settings/routing/{setting.pk}/delete").status_code == 404
    assert (
        client.post(
            f"/settings/routing/agents/{cast.bob.pk}/channels", {"channels": ["sms"]}
        ).status_code
        == 404
    )
    assert "API A" not in client.get("/settings/routing/").content.decode()
    setting.refresh_from_db()
    assert (setting.capacity, ChannelSkills.objects.count()) == (2, 0)
