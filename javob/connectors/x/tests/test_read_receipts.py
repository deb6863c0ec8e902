"""`direct_message_mark_read_events`: the customer read our direct messages up to an event;
those move to "read", forward only, and nothing else does."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from conftest import Cast
from javob.connectors.models import InboundPayload
from javob.connectors.tests.support import delivery_events
from javob.connectors.x.tests.conftest import payload
from javob.conversations.actions import check_send_reply
from javob.conversations.models import Conversation, Delivery, EarlyReport, Inbox, Message

pytestmark = pytest.mark.django_db
READ_AT = dt.datetime(2025, 11, 23, 13, 0, tzinfo=dt.UTC)


def _conversation(inbox: Inbox, deliver: Any, body: bytes) -> Conversation:
    deliver(inbox, body)
    return Message.objects.select_related("conversation").latest("pk").conversation


def _replies(cast: Cast, conversation: Conversation, on_commit: Any, count: int) -> list[Message]:
    sent = []
    for number in range(count):
        with on_commit():
            message = check_send_reply(cast.alice, conversation.pk, f"Javob {number + 1}")
        message.refresh_from_db()
        sent.append(message)
    return sent


def _statuses(messages: list[Message]) -> list[tuple[str, str | None, dt.datetime | None]]:
    fresh = {m.pk: m for m in Message.objects.filter(pk__in=[m.pk for m in messages])}
    return [
        (fresh[m.pk].delivery_status, fresh[m.pk].external_id, fresh[m.pk].read_at)
        for m in messages
    ]


def test_our_direct_messages_up_to_the_event_read_become_read(
    cast: Cast, x_inbox: Inbox, deliver: Any, on_commit: Any
) -> None:
    # given three direct messages X numbered ...002, ...003 and ...004 (...001 is the webhook)
    dm = _conversation(x_inbox, deliver, payload("dm_text"))
    first, second, third = _replies(cast, dm, on_commit, 3)
    # when the customer's read receipt names ...003
    response = deliver(x_inbox, payload("dm_read"))
    # then the first two are read at the receipt's time, the third is still sent
    assert response.status_code == 200
    assert _statuses([first, second, third]) == [
        (Delivery.READ, "1860000000000000002", READ_AT),
        (Delivery.READ, "1860000000000000003", READ_AT),
        (Delivery.SENT, "1860000000000000004", None),
    ]
    assert delivery_events(second) == [{"status": "sent"}, {"status": "read"}]
    stored = InboundPayload.objects.latest("pk")
    assert (stored.error, stored.ignored) == ("", "")
    assert EarlyReport.objects.count() == 0


def test_a_repeated_or_older_receipt_changes_nothing(
    cast: Cast, x_inbox: Inbox, deliver: Any, on_commit: Any
) -> None:
    dm = _conversation(x_inbox, deliver, payload("dm_text"))
    first, second = _replies(cast, dm, on_commit, 2)
    deliver(x_inbox, payload("dm_read"))
    # an older receipt (naming ...002) in another body, then the same receipt again
    older = json.loads(payload("dm_read"))
    older["direct_message_mark_read_events"][0]["last_read_event_id"] = "1860000000000000002"
    older["direct_message_mark_read_events"][0]["created_timestamp"] = "1763906400000"
    deliver(x_inbox, older)
    deliver(x_inbox, payload("dm_read"))
    assert _statuses([first, second]) == [
        (Delivery.READ, "1860000000000000002", READ_AT),
        (Delivery.READ, "1860000000000000003", READ_AT),
    ]
    assert delivery_events(first) == [{"status": "sent"}, {"status": "read"}]


def test_a_receipt_does_not_touch_public_replies_or_other_customers(
    cast: Cast, x_inbox: Inbox, deliver: Any, on_commit: Any
) -> None:
    # given a public reply to a mention by the reader (post ...002) and a direct message to
    # another person (...003): both within the receipt's range
    mention = json.loads(payload("mention"))
    mention["tweet_create_events"][0]["user"].update(id=3001969357, id_str="3001969357")
    public = _conversation(x_inbox, deliver, json.dumps(mention).encode())
    [post] = _replies(cast, public, on_commit, 1)
    batch = _conversation(x_inbox, deliver, payload("dm_batch"))
    [other] = _replies(cast, batch, on_commit, 1)
    assert public.thread_key == "comment:x:3001969357"
    assert batch.thread_key == "783214"
    # when the reader's receipt names ...003
    deliver(x_inbox, payload("dm_read"))
    # then neither moved
    assert _statuses([post, other]) == [
        (Delivery.SENT, "1860000000000000002", None),
        (Delivery.SENT, "1860000000000000003", None),
    ]


def test_a_direct_message_failed_by_x_becomes_read_when_read(
    cast: Cast, x_inbox: Inbox, deliver: Any, on_commit: Any
) -> None:
    dm = _conversation(x_inbox, deliver, payload("dm_text"))
    [message] = _replies(cast, dm, on_commit, 1)
    Message.objects.filter(pk=message.pk).update(delivery_status=Delivery.FAILED, delivery_rank=15)
    deliver(x_inbox, payload("dm_read"))
    # failed (15) is below read (30): a read receipt proves it arrived after all
    assert _statuses([message])[0][0] == Delivery.READ


def test_the_accounts_own_read_receipt_is_ignored(
    cast: Cast, x_inbox: Inbox, deliver: Any, on_commit: Any
) -> None:
    dm = _conversation(x_inbox, deliver, payload("dm_text"))
    [message] = _replies(cast, dm, on_commit, 1)
    deliver(x_inbox, payload("dm_read_by_account"))
    stored = InboundPayload.objects.latest("pk")
    assert (stored.error, stored.ignored) == ("", "the account read a direct message conversation")
    assert _statuses([message]) == [(Delivery.SENT, "1860000000000000002", None)]
