"""The inbox: views, counts, filters, paging, live rows, saved filters and bulk changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from javob.conversations.actions import (
    check_assign,
    check_change_status,
    check_set_labels,
    check_set_priority,
)
from javob.conversations.models import Conversation
from javob.web.models import SavedFilter
from javob.web.tests.conftest import World, receive
from javob.web.tests.pages import counts, listed, text


def test_views_list_what_they_promise_newest_first(world: World, alice: Client) -> None:
    # given alice is assigned the open chat
    cast = world.cast
    check_assign(cast.alice, world.open_chat.pk, assignee_id=cast.alice.pk)
    # then
    assert listed(alice.get("/inbox/mine/")) == [world.open_chat.pk]
    assert listed(alice.get("/inbox/unassigned/")) == [world.support_chat.pk]
    assert listed(alice.get("/inbox/all/")) == [world.support_chat.pk, world.open_chat.pk]
    assert listed(alice.get(f"/inbox/team-{cast.support.pk}/")) == [world.support_chat.pk]
    assert listed(alice.get(f"/inbox/inbox-{cast.inbox_a.pk}/")) == [
        world.support_chat.pk,
        world.open_chat.pk,
    ]


def test_the_sidebar_counts_open_conversations_per_view(world: World, alice: Client) -> None:
    cast = world.cast
    check_assign(cast.alice, world.open_chat.pk, assignee_id=cast.alice.pk)
    resolved = receive(cast.inbox_a.pk, "cust-3")
    check_change_status(cast.alice, resolved.pk, "resolved")

    found = counts(alice.get("/inbox/mine/nav"))

    assert found == {
        "mine": 1,
        "unassigned": 1,
        "all": 2,
        "mentions": 0,
        f"team-{cast.sales.pk}": 0,
        f"team-{cast.support.pk}": 1,
        f"inbox-{cast.inbox_a.pk}": 2,
    }


def test_bob_counts_and_lists_only_what_he_may_see(world: World, bob: Client) -> None:
    response = bob.get("/inbox/all/")
    nav = counts(bob.get("/inbox/all/nav"))

    assert listed(response) == [world.open_chat.pk]
    assert nav["all"] == 1
    assert f"team-{world.cast.support.pk}" not in nav
    assert bob.get(f"/inbox/team-{world.cast.support.pk}/").status_code == 404


def test_filters_narrow_the_list(world: World, alice: Client) -> None:
    cast = world.cast
    check_set_labels(cast.alice, world.open_chat.pk, ["vip"])
    check_set_priority(cast.alice, world.support_chat.pk, "high")
    check_change_status(cast.alice, world.support_chat.pk, "pending")

    assert listed(alice.get("/inbox/all/", {"label": "vip"})) == [world.open_chat.pk]
    assert listed(alice.get("/inbox/all/", {"status": "pending"})) == [world.support_chat.pk]
    assert listed(alice.get("/inbox/all/", {"status": "any", "priority": "high"})) == [
        world.support_chat.pk
    ]
    assert listed(alice.get("/inbox/all/", {"channel": "email"})) == []
    assert listed(alice.get("/inbox/all/", {"assignee": "none", "status": "any"})) == [
        world.support_chat.pk,
        world.open_chat.pk,
    ]


def test_load_more_pages_by_cursor(
    world: World, alice: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given three open conversations and pages of two
    monkeypatch.setattr("javob.web.queries.PAGE_SIZE", 2)
    third = receive(world.cast.inbox_a.pk, "cust-3")
    first_page = alice.get("/inbox/all/")
    assert listed(first_page) == [third.pk, world.support_chat.pk]
    cursor = text(first_page).split("cursor=")[1].split('"')[0]
    # when the list asks for more
    more = alice.get("/inbox/all/", {"cursor": cursor}, HTTP_HX_REQUEST="true")
    # then only the next rows come, without the page around them
    assert listed(more) == [world.open_chat.pk]
    assert "<html" not in text(more)
    assert "cursor=" not in text(more)


def test_a_live_row_is_rendered_while_it_belongs_to_the_view(world: World, alice: Client) -> None:
    row = alice.get(f"/inbox/unassigned/row/{world.open_chat.pk}")
    assert listed(row) == [world.open_chat.pk]

    check_assign(world.cast.alice, world.open_chat.pk, assignee_id=world.cast.alice.pk)

    assert alice.get(f"/inbox/unassigned/row/{world.open_chat.pk}").content == b""


def test_unread_marker_until_the_agent_opens_the_conversation(world: World, alice: Client) -> None:
    assert 'class="conv unread"' in text(alice.get(f"/inbox/all/row/{world.open_chat.pk}"))

    alice.get(f"/conversations/{world.open_chat.pk}/")

    assert 'class="conv"' in text(alice.get(f"/inbox/all/row/{world.open_chat.pk}"))
    receive(world.cast.inbox_a.pk, "cust-open", "Yana bir savol")
    assert 'class="conv unread"' in text(alice.get(f"/inbox/all/row/{world.open_chat.pk}"))


def test_a_saved_filter_becomes_a_view_of_its_own(world: World, alice: Client) -> None:
    check_set_labels(world.cast.alice, world.open_chat.pk, ["vip"])

    response = alice.post("/inbox/filters", {"name": "VIP", "label": "vip", "status": "open"})

    saved = SavedFilter.objects.get(membership=world.cast.alice)
    assert (saved.name, saved.params) == ("VIP", {"label": "vip"})
    assert response["Location"] == f"/inbox/saved-{saved.pk}/"
    page = alice.get(f"/inbox/saved-{saved.pk}/")
    assert listed(page) == [world.open_chat.pk]
    assert counts(alice.get(f"/inbox/saved-{saved.pk}/nav"))[f"saved-{saved.pk}"] == 1


def test_saved_filters_are_private_to_their_agent(world: World, bob: Client) -> None:
    saved = SavedFilter.objects.create(membership=world.cast.alice, name="Mine", params={})

    assert bob.get(f"/inbox/saved-{saved.pk}/").status_code == 404
    assert bob.post(f"/inbox/filters/{saved.pk}/delete").status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists() is True


@pytest.mark.parametrize(
    ("action", "value", "expected"),
    [
        ("assign", "alice", ("alice", "open", [])),
        ("label", "vip", (None, "open", ["vip"])),
        ("status", "resolved", (None, "resolved", [])),
    ],
)
def test_bulk_changes_apply_to_every_selected_conversation(
    world: World, alice: Client, action: str, value: str, expected: tuple[Any, str, list[str]]
) -> None:
    value = str(world.cast.alice.pk) if value == "alice" else value
    ids = [world.open_chat.pk, world.support_chat.pk]

    response = alice.post(
        "/inbox/bulk",
        {"ids": ids, "action": action, f"value_{action}": value, "next": "/inbox/all/"},
    )

    assert response["Location"] == "/inbox/all/"
    assignee = world.cast.alice.pk if expected[0] == "alice" else None
    for conversation in Conversation.objects.filter(pk__in=ids):
        assert conversation.assignee_id == assignee
        assert conversation.status == expected[1]
        assert sorted(conversation.labels.values_list("name", flat=True)) == expected[2]


def test_bulk_skips_what_the_agent_may_not_change(world: World, bob: Client) -> None:
    ids = [world.open_chat.pk, world.support_chat.pk, world.other.pk]

    bob.post("/inbox/bulk", {"ids": ids, "action": "status", "value_status": "resolved"})

    statuses = dict(Conversation.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert statuses == {
        world.open_chat.pk: "resolved",
        world.support_chat.pk: "open",
        world.other.pk: "open",
    }


def test_the_inbox_costs_the_same_queries_for_2_or_12_rows(
    world: World, alice: Client, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(QUERIES_INBOX):
        assert len(listed(alice.get("/inbox/all/"))) == 2
    for n in range(10):
        receive(world.cast.inbox_a.pk, f"more-{n}")
    check_set_labels(world.cast.alice, world.open_chat.pk, ["vip", "new"])
    with django_assert_num_queries(QUERIES_INBOX):
        assert len(listed(alice.get("/inbox/all/"))) == 12


def test_an_agent_inbox_costs_the_same_queries_too(
    world: World, bob: Client, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(QUERIES_INBOX_AGENT):
        assert len(listed(bob.get("/inbox/all/"))) == 1
    for n in range(5):
        receive(world.cast.inbox_a.pk, f"more-{n}")
    with django_assert_num_queries(QUERIES_INBOX_AGENT):
        assert len(listed(bob.get("/inbox/all/"))) == 6


def test_the_sidebar_counts_cost_the_same_queries_for_any_number_of_rows(
    world: World, alice: Client, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(QUERIES_NAV):
        assert counts(alice.get("/inbox/all/nav"))["all"] == 2
    for n in range(10):
        receive(world.cast.inbox_a.pk, f"more-{n}")
    with django_assert_num_queries(QUERIES_NAV):
        assert counts(alice.get("/inbox/all/nav"))["all"] == 12


def test_the_page_leaves_the_counts_to_a_request_of_their_own(world: World, alice: Client) -> None:
    body = text(alice.get("/inbox/all/"))

    assert counts(alice.get("/inbox/all/")) == {}
    assert 'hx-get="/inbox/all/nav" hx-trigger="load, refresh"' in body


# session, user, membership; rows, their labels; teams, inboxes, saved filters; the agents
# and labels of the filter bar
QUERIES_INBOX = 10
# and the agent's team ids, read for the visibility rule of the rows
QUERIES_INBOX_AGENT = 11
# session, user, membership; teams, inboxes, saved filters, the counts
QUERIES_NAV = 7
