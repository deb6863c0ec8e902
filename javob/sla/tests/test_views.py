from __future__ import annotations

import pytest
from django.test import Client

from conftest import Cast
from javob.sla.models import AutoAck, Calendar, CalendarLink, Holiday, SlaPolicy
from javob.sla.tests.support import standard_policy, tashkent_office

pytestmark = pytest.mark.django_db


def signed_in(member: object) -> Client:
    client = Client()
    client.force_login(member.user)  # type: ignore[attr-defined]
    return client


WEEK = {f"day{i}": "09:00-18:00" for i in range(5)}


def test_pages_are_for_admins_only(cast: Cast) -> None:
    calendar = tashkent_office(cast)
    policy = standard_policy(cast)
    pages = [
        "/settings/sla/",
        f"/settings/sla/calendars/{calendar.pk}/",
        f"/settings/sla/policies/{policy.pk}/",
    ]

    assert [signed_in(cast.alice).get(page).status_code for page in pages] == [200, 200, 200]
    assert [signed_in(cast.bob).get(page).status_code for page in pages] == [403, 403, 403]
    assert [Client().get(page).status_code for page in pages] == [302, 302, 302]
    # charlie is the owner of workspace B: A's calendar and policy do not exist for him.
    assert [signed_in(cast.charlie).get(page).status_code for page in pages] == [200, 404, 404]


def test_bob_cannot_post_and_nothing_changes(cast: Cast) -> None:
    bob = signed_in(cast.bob)

    response = bob.post("/settings/sla/calendars/new/", {"name": "X", "zone": "UTC", **WEEK})
    ack = bob.post(
        f"/settings/sla/auto-ack/{cast.inbox_a.pk}/", {f"ack{cast.inbox_a.pk}-enabled": "on"}
    )

    assert (response.status_code, ack.status_code) == (403, 403)
    assert (Calendar.objects.count(), AutoAck.objects.count()) == (0, 0)


def test_admin_creates_a_calendar_with_a_holiday_and_links_it(cast: Cast) -> None:
    alice = signed_in(cast.alice)

    response = alice.post(
        "/settings/sla/calendars/new/",
        {"name": "Tashkent", "zone": "Asia/Tashkent", "country": "UZ", **WEEK},
    )
    calendar = Calendar.objects.get()
    holiday = alice.post(
        f"/settings/sla/calendars/{calendar.pk}/holidays/",
        {"date": "2026-12-31", "recurring": "on", "name": "New Year's Eve"},
    )
    link = alice.post(
        "/settings/sla/links/", {"calendar_id": calendar.pk, "inbox_id": cast.inbox_a.pk}
    )

    assert (response.status_code, response["Location"]) == (302, "/settings/sla/")
    assert holiday.status_code == 302
    assert link.status_code == 302
    assert calendar.weekly == [[["09:00", "18:00"]]] * 5 + [[], []]
    assert (calendar.country, calendar.zone) == ("UZ", "Asia/Tashkent")
    assert list(Holiday.objects.values_list("name", "recurring")) == [("New Year's Eve", True)]
    assert CalendarLink.objects.get().inbox_id == cast.inbox_a.pk
    page = alice.get("/settings/sla/").content.decode()
    assert "Tashkent" in page


def test_invalid_hours_show_the_error_on_the_page(cast: Cast) -> None:
    response = signed_in(cast.alice).post(
        "/settings/sla/calendars/new/", {"name": "Bad", "zone": "UTC", "day0": "9-18"}
    )

    assert response.status_code == 400
    assert "Hours are seven days of HH:MM-HH:MM intervals." in response.content.decode()
    assert Calendar.objects.count() == 0


def test_admin_saves_a_policy_with_conditions_and_targets(cast: Cast) -> None:
    response = signed_in(cast.alice).post(
        "/settings/sla/policies/new/",
        {
            "name": "Gold",
            "position": "0",
            "is_active": "on",
            "business_hours": "on",
            "warn_minutes": "10",
            "channels": ["telegram"],
            "teams": [str(cast.support.pk)],
            "labels": "vip, billing",
            "attribute": "tier",
            "attribute_values": "gold, platinum",
            "t_first_reply_urgent": "15",
            "t_first_reply_none": "60",
            "t_resolution_none": "480",
        },
    )

    assert response.status_code == 302
    policy = SlaPolicy.objects.get()
    assert policy.targets == {
        "first_reply": {"none": 60, "urgent": 15},
        "resolution": {"none": 480},
    }
    assert policy.conditions == {
        "channels": ["telegram"],
        "team_ids": [cast.support.pk],
        "labels": ["vip", "billing"],
        "contact_attributes": {"tier": ["gold", "platinum"]},
    }
    assert policy.warn_minutes == 10


def test_a_policy_without_targets_is_refused_on_the_page(cast: Cast) -> None:
    response = signed_in(cast.alice).post(
        "/settings/sla/policies/new/", {"name": "Empty", "position": "0", "warn_minutes": "5"}
    )

    assert response.status_code == 400
    assert "Set at least one target." in response.content.decode()
    assert SlaPolicy.objects.count() == 0


def test_admin_turns_on_the_acknowledgement(cast: Cast) -> None:
    prefix = f"ack{cast.inbox_a.pk}"

    response = signed_in(cast.alice).post(
        f"/settings/sla/auto-ack/{cast.inbox_a.pk}/",
        {f"{prefix}-enabled": "on", f"{prefix}-default_language": "uz-cyrl"},
    )

    assert response.status_code == 302
    ack = AutoAck.objects.get()
    assert (ack.inbox_id, ack.enabled, ack.default_language) == (cast.inbox_a.pk, True, "uz-cyrl")


def test_another_workspace_cannot_touch_a_calendar(cast: Cast) -> None:
    calendar = tashkent_office(cast)

    response = signed_in(cast.charlie).post(f"/settings/sla/calendars/{calendar.pk}/delete/")

    assert response.status_code == 404
    assert Calendar.objects.filter(pk=calendar.pk).exists()
