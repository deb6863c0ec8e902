"""Conversations through the API: list and filters, pagination, detail and every action."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine

from conftest import Cast
from javob.accounts.models import Membership
from javob.connectors.actions import do_add_inbox
from javob.conversations.actions import (
    check_add_note,
    check_assign,
    check_change_status,
    check_send_reply,
    check_set_labels,
    check_set_priority,
    receive_message,
)
from javob.conversations.models import Conversation, Event, Message
from javob.core.types import Identity, InboundAttachment, InboundMessage
from tests.api.conftest import ApiClient, World, receive

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


def item_ids(answer: Any) -> list[int]:
    return [row["id"] for row in answer.body["items"]]


def test_list_is_newest_activity_first_with_labels_and_contact(
    cast: Cast, alice: ApiClient
) -> None:
    # given two conversations, the older one labelled
    with time_machine.travel(START, tick=False) as clock:
        older = receive(cast.inbox_a.pk, "c1").conversation
        clock.shift(dt.timedelta(minutes=5))
        newer = receive(cast.inbox_a.pk, "c2").conversation
    check_set_labels(cast.alice, older.pk, ["vip", "billing"])
    # when alice lists conversations
    answer = alice.get("/conversations")
    # then the newer comes first, each with its contact and sorted labels
    assert answer.status == 200
    assert item_ids(answer) == [newer.pk, older.pk]
    assert answer.body["next_cursor"] is None
    row = answer.body["items"][1]
    assert (row["number"], row["labels"], row["contact"]) == (
        1,
        ["billing", "vip"],
        {"id": older.contact_id, "name": "Dilnoza"},
    )
    assert row["last_activity_at"] == "2026-11-02T08:00:00Z"


def test_filters_select_exactly_the_matching_conversations(cast: Cast, alice: ApiClient) -> None:
    # given conversations that differ in one attribute each
    other_inbox = do_add_inbox(cast.a, "api", "Second API", {}, [])
    plain = receive(cast.inbox_a.pk, "plain", "Nothing special").conversation
    resolved = receive(cast.inbox_a.pk, "resolved").conversation
    check_change_status(cast.alice, resolved.pk, "resolved")
    urgent = receive(cast.inbox_a.pk, "urgent").conversation
    check_set_priority(cast.alice, urgent.pk, "urgent")
    labelled = receive(cast.inbox_a.pk, "labelled").conversation
    check_set_labels(cast.alice, labelled.pk, ["refund"])
    mine = receive(cast.inbox_a.pk, "mine").conversation
    check_assign(cast.alice, mine.pk, assignee_id=cast.alice.pk)
    teamed = receive(cast.inbox_a.pk, "teamed").conversation
    check_assign(cast.alice, teamed.pk, team_id=cast.sales.pk)
    elsewhere = receive(other_inbox.pk, "elsewhere", "Paket kelmadi").conversation
    everything = [elsewhere, teamed, mine, labelled, urgent, resolved, plain]
    # when alice filters by each attribute
    filters: dict[str, dict[str, Any]] = {
        "all": {},
        "status": {"status": "resolved"},
        "open": {"status": "open", "limit": 100},
        "priority": {"priority": "urgent"},
        "label": {"label": "refund"},
        "me": {"assignee": "me"},
        "assignee_id": {"assignee_id": cast.alice.pk},
        "unassigned": {"assignee": "none"},
        "team": {"team_id": cast.sales.pk},
        "inbox": {"inbox_id": other_inbox.pk},
        "language": {"language": "uz"},
        "text": {"q": "paket"},
        "subject or name": {"q": "dilnoza"},
        "combined": {"status": "open", "assignee": "none", "inbox_id": cast.inbox_a.pk},
    }
    found = {
        name: item_ids(alice.get("/conversations", params)) for name, params in filters.items()
    }
    # then each filter selects exactly its conversations, newest first
    assert found == {
        "all": [c.pk for c in everything],
        "status": [resolved.pk],
        "open": [c.pk for c in everything if c is not resolved],
        "priority": [urgent.pk],
        "label": [labelled.pk],
        "me": [mine.pk],
        "assignee_id": [mine.pk],
        "unassigned": [c.pk for c in everything if c is not mine],
        "team": [teamed.pk],
        "inbox": [elsewhere.pk],
        "language": [],
        "text": [elsewhere.pk],
        "subject or name": [c.pk for c in everything],
        "combined": [teamed.pk, labelled.pk, urgent.pk, plain.pk],
    }


def test_pagination_walks_every_conversation_once_in_order(cast: Cast, alice: ApiClient) -> None:
    # given 60 conversations, one minute apart
    with time_machine.travel(START, tick=False) as clock:
        created = []
        for n in range(60):
            created.append(receive(cast.inbox_a.pk, f"customer-{n}").conversation_id)
            clock.shift(dt.timedelta(minutes=1))
    # when alice walks the pages of 25
    pages, cursor = [], None
    for _ in range(4):
        params = {"limit": 25, **({"cursor": cursor} if cursor else {})}
        answer = alice.get("/conversations", params)
        pages.append(item_ids(answer))
        cursor = answer.body["next_cursor"]
        if cursor is None:
            break
    # then three pages hold all 60, newest first, without overlap, and the last ends the walk
    newest_first = list(reversed(created))
    assert pages == [newest_first[:25], newest_first[25:50], newest_first[50:]]
    assert cursor is None


def test_pagination_is_stable_when_activity_ties(cast: Cast, alice: ApiClient) -> None:
    # given five conversations with the very same last activity
    with time_machine.travel(START, tick=False):
        created = [receive(cast.inbox_a.pk, f"tie-{n}").conversation_id for n in range(5)]
    # when walked two at a time
    first = alice.get("/conversations", {"limit": 2})
    second = alice.get("/conversations", {"limit": 2, "cursor": first.body["next_cursor"]})
    third = alice.get("/conversations", {"limit": 2, "cursor": second.body["next_cursor"]})
    # then the id breaks the tie
    assert [item_ids(first), item_ids(second), item_ids(third)] == [
        created[4:2:-1],
        created[2:0:-1],
        created[:1],
    ]
    assert third.body["next_cursor"] is None


def labelled_conversations(cast: Cast, batch: str, count: int) -> None:
    for n in range(count):
        conversation_id = receive(cast.inbox_a.pk, f"{batch}-{n}").conversation_id
        check_set_labels(cast.alice, conversation_id, ["one", "two"])
        check_assign(cast.alice, conversation_id, team_id=cast.sales.pk)


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_list_query_count_does_not_grow_with_rows(
    cast: Cast,
    who: str,
    request: pytest.FixtureRequest,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    # given a warmed-up token (its last use was just recorded)
    client: ApiClient = request.getfixturevalue(who)
    client.get("/me")
    # when the list is read with 3 and then with 40 labelled conversations
    # token, page, labels; and for a plain agent first the ids of their teams
    queries = 3 if who == "alice" else 4
    labelled_conversations(cast, "small", 3)
    with django_assert_num_queries(queries):
        small = client.get("/conversations", {"limit": 100})
    labelled_conversations(cast, "large", 37)
    with django_assert_num_queries(queries):
        large = client.get("/conversations", {"limit": 100})
    # then the count is the same (and bob of Sales sees them all too)
    assert (len(small.body["items"]), len(large.body["items"])) == (3, 40)


def test_detail_has_the_timeline_in_order_with_attachment_metadata(
    cast: Cast, alice: ApiClient, settings: Any, tmp_path: Path
) -> None:
    # given a conversation with an attachment, a note, a reply and a label change
    settings.MEDIA_ROOT = tmp_path
    picture = InboundAttachment("photo.png", "image/png", b"\x89PNG fake")
    with time_machine.travel(START, tick=True):
        first = receive_message(
            InboundMessage(
                inbox_id=cast.inbox_a.pk,
                sender=Identity("api", "pic"),
                external_id="pic-1",
                text="Mana rasm",
                attachments=(picture,),
            )
        ).message
        conversation_id = first.conversation_id
        note = check_add_note(cast.alice, conversation_id, "Customer sent a photo")
        reply = check_send_reply(cast.alice, conversation_id, "Rahmat!")
        check_set_labels(cast.alice, conversation_id, ["photo"])
    # when alice opens it
    answer = alice.get(f"/conversations/{conversation_id}")
    # then messages and events come oldest first, with the attachment's metadata
    body = answer.body
    assert answer.status == 200
    assert [(m["id"], m["direction"]) for m in body["messages"]] == [
        (first.pk, "incoming"),
        (note.pk, "note"),
        (reply.pk, "outgoing"),
    ]
    assert body["messages"][0]["attachments"] == [
        {
            "id": first.attachments.get().pk,
            "filename": "photo.png",
            "content_type": "image/png",
            "size": 9,
            "sha256": hashlib.sha256(b"\x89PNG fake").hexdigest(),
        }
    ]
    assert [e["kind"] for e in body["events"]] == [
        "created",
        "message_in",
        "note",
        "message_out",
        "labels",
    ]
    assert body["events"][4]["data"] == {"added": ["photo"], "removed": []}
    assert body["labels"] == ["photo"]


def test_reply_is_queued_and_returned(cast: Cast, world: World, alice: ApiClient) -> None:
    answer = alice.post(
        f"/conversations/{world.open_a.pk}/reply",
        {"text": " Salom! ", "html": "<b>Salom!</b><script>x</script>"},
    )
    message = Message.objects.get(pk=answer.body["id"])
    assert answer.status == 201
    assert (answer.body["direction"], answer.body["delivery_status"], answer.body["text"]) == (
        "outgoing",
        "queued",
        "Salom!",
    )
    assert (message.sender_agent_id, message.html) == (cast.alice.pk, "<b>Salom!</b>")


def test_note_is_stored_as_note(cast: Cast, world: World, alice: ApiClient) -> None:
    answer = alice.post(f"/conversations/{world.open_a.pk}/notes", {"text": "Call back at 5"})
    assert (answer.status, answer.body["direction"], answer.body["delivery_status"]) == (
        201,
        "note",
        "",
    )
    assert Message.objects.filter(conversation=world.open_a, direction="note").count() == 1


def test_assign_keeps_absent_fields_and_clears_null_ones(
    cast: Cast, world: World, alice: ApiClient
) -> None:
    path = f"/conversations/{world.open_a.pk}/assign"
    both = alice.post(path, {"assignee_id": cast.bob.pk, "team_id": cast.sales.pk}).body
    events_after_both = Event.objects.filter(conversation=world.open_a).count()
    unchanged = alice.post(path, {}).body
    events_after_empty = Event.objects.filter(conversation=world.open_a).count()
    team_cleared = alice.post(path, {"team_id": None}).body
    agent_cleared = alice.post(path, {"assignee_id": None}).body
    assert (both["assignee_id"], both["team_id"]) == (cast.bob.pk, cast.sales.pk)
    assert (unchanged["assignee_id"], unchanged["team_id"]) == (cast.bob.pk, cast.sales.pk)
    assert events_after_empty == events_after_both
    assert (team_cleared["assignee_id"], team_cleared["team_id"]) == (cast.bob.pk, None)
    assert (agent_cleared["assignee_id"], agent_cleared["team_id"]) == (None, None)


def test_status_and_priority_change(cast: Cast, world: World, alice: ApiClient) -> None:
    pending = alice.post(f"/conversations/{world.open_a.pk}/status", {"status": "pending"})
    urgent = alice.post(f"/conversations/{world.open_a.pk}/priority", {"priority": "urgent"})
    conversation = Conversation.objects.get(pk=world.open_a.pk)
    assert (pending.status, pending.body["status"]) == (200, "pending")
    assert (urgent.status, urgent.body["priority"]) == (200, "urgent")
    assert (conversation.status, conversation.priority) == ("pending", "urgent")


def test_snooze_until_an_aware_time(cast: Cast, world: World, alice: ApiClient) -> None:
    # given a time in Tashkent (UTC+5)
    with time_machine.travel(START, tick=False):
        answer = alice.post(
            f"/conversations/{world.open_a.pk}/snooze", {"until": "2026-11-03T09:00:00+05:00"}
        )
    conversation = Conversation.objects.get(pk=world.open_a.pk)
    # then it sleeps until that instant, stored in UTC
    assert (answer.status, answer.body["status"]) == (200, "snoozed")
    assert answer.body["snoozed_until"] == "2026-11-03T04:00:00Z"
    assert conversation.snoozed_until == dt.datetime(2026, 11, 3, 4, tzinfo=dt.UTC)


def test_labels_are_replaced_and_cleared(cast: Cast, world: World, alice: ApiClient) -> None:
    path = f"/conversations/{world.open_a.pk}/labels"
    first = alice.put(path, {"names": ["vip", " billing ", "vip"]}).body["labels"]
    second = alice.put(path, {"names": ["billing", "refund"]}).body["labels"]
    cleared = alice.put(path, {"names": []}).body["labels"]
    kinds = Event.objects.filter(conversation=world.open_a, kind="labels").values_list(
        "data", flat=True
    )
    assert (first, second, cleared) == (["billing", "vip"], ["billing", "refund"], [])
    assert list(kinds) == [
        {"added": ["billing", "vip"], "removed": []},
        {"added": ["refund"], "removed": ["vip"]},
        {"added": [], "removed": ["billing", "refund"]},
    ]


def test_merge_moves_messages_into_the_target(cast: Cast, alice: ApiClient) -> None:
    # given two conversations of different customers
    source = receive(cast.inbox_a.pk, "dup-1", "Birinchi").conversation
    target = receive(cast.inbox_a.pk, "dup-2", "Ikkinchi").conversation
    # when the source is merged into the target
    answer = alice.post(f"/conversations/{source.pk}/merge", {"into": target.pk})
    merged = alice.get(f"/conversations/{target.pk}").body
    closed = alice.get(f"/conversations/{source.pk}").body
    # then the target holds both messages and the source points to it, closed
    assert (answer.status, answer.body["id"]) == (200, target.pk)
    assert sorted(m["text"] for m in merged["messages"]) == ["Birinchi", "Ikkinchi"]
    assert (closed["merged_into_id"], closed["status"], closed["messages"]) == (
        target.pk,
        "closed",
        [],
    )
    # and a merged conversation takes no more replies
    refused = alice.post(f"/conversations/{source.pk}/reply", {"text": "hello?"})
    assert (refused.status, refused.body["field"]) == (409, "conversation_id")


def test_split_moves_a_message_and_what_follows(cast: Cast, alice: ApiClient) -> None:
    # given a conversation of three messages, the last two about something else
    with time_machine.travel(START, tick=True):
        one = receive(cast.inbox_a.pk, "split", "Buyurtma haqida")
        two = receive(cast.inbox_a.pk, "split", "Boshqa savol: kafolat")
        three = receive(cast.inbox_a.pk, "split", "Kafolat muddati qancha?")
    # when alice splits from the second
    answer = alice.post(f"/messages/{two.pk}/split")
    new_id = answer.body["id"]
    new = alice.get(f"/conversations/{new_id}").body
    old = alice.get(f"/conversations/{one.conversation_id}").body
    # then the new, linked conversation holds the second and third
    assert answer.status == 201
    assert (new["split_from_id"], [m["id"] for m in new["messages"]]) == (
        one.conversation_id,
        [two.pk, three.pk],
    )
    assert [m["id"] for m in old["messages"]] == [one.pk]


def test_retry_requeues_a_failed_reply(cast: Cast, alice: ApiClient, on_commit: Any) -> None:
    # given a reply that failed for good (its webhook points at a refused internal address)
    inbox = do_add_inbox(cast.a, "api", "Internal", {"webhook_url": "http://127.0.0.1:9/hook"}, [])
    conversation_id = receive(inbox.pk, "internal").conversation_id
    with on_commit():
        failed = check_send_reply(cast.alice, conversation_id, "Javob")
    failed.refresh_from_db()
    assert failed.delivery_status == "failed"
    # when alice retries it
    answer = alice.post(f"/messages/{failed.pk}/retry")
    # then it is queued again, from the first attempt
    failed.refresh_from_db()
    assert (answer.status, answer.body["delivery_status"]) == (200, "queued")
    assert (failed.delivery_status, failed.attempts) == ("queued", 0)
    # and retrying a message that did not fail is refused by name
    again = alice.post(f"/messages/{failed.pk}/retry")
    assert (again.status, again.body["field"]) == (400, "message_id")


def test_bob_lists_what_he_may_see(cast: Cast, world: World, bob: ApiClient) -> None:
    assert Membership.objects.get(pk=cast.bob.pk).role == "agent"
    assert item_ids(bob.get("/conversations", {"assignee": "me"})) == [world.bobs_a.pk]


def test_empty_query_parameters_count_as_absent(cast: Cast, world: World, alice: ApiClient) -> None:
    # given the filter form of a UI that sends every field, most of them empty
    params = {"status": "", "assignee": "", "inbox_id": "", "q": "", "cursor": "", "limit": ""}
    # when it lists conversations
    answer = alice.get("/conversations", params)
    # then it gets the unfiltered first page
    assert answer.status == 200
    assert item_ids(answer) == [world.bobs_a.pk, world.support_a.pk, world.open_a.pk]


def test_detail_query_count_does_not_grow_with_the_timeline(
    cast: Cast,
    world: World,
    alice: ApiClient,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    # given a warmed-up token and a conversation of two messages
    alice.get("/me")
    path = f"/conversations/{world.open_a.pk}"
    # when it is read with 2 and then with 22 messages
    # (token, conversation, messages, attachments, events, conversation again, labels)
    with django_assert_num_queries(7):
        short = alice.get(path)
    for n in range(10):
        check_add_note(cast.alice, world.open_a.pk, f"note {n}")
        receive(cast.inbox_a.pk, "open-customer", f"message {n}")
    with django_assert_num_queries(7):
        long = alice.get(path)
    # then the number of queries is the same
    assert (len(short.body["messages"]), len(long.body["messages"])) == (2, 22)
    assert len(long.body["events"]) == 23
