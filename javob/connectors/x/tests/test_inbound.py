"""Parsing Account Activity bodies without the webhook around them: times, languages, and
the capability switches."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from javob.connectors.base import Ignored
from javob.connectors.x import capabilities
from javob.connectors.x.inbound import ReadMark, parse_body
from javob.connectors.x.tests.conftest import payload
from javob.core.types import InboundMessage


def parse(name: str, allowed: tuple[str, ...] = capabilities.ALL) -> list[object]:
    return list(parse_body(7, json.loads(payload(name)), allowed))


def test_a_direct_message_carries_its_creation_time() -> None:
    [message] = parse("dm_text")
    assert isinstance(message, InboundMessage)
    assert message.sent_at == dt.datetime(2018, 1, 19, 23, 12, 40, 557000, tzinfo=dt.UTC)
    assert (message.inbox_id, message.sender.kind, message.sender.value) == (7, "x", "3001969357")


def test_a_mention_carries_its_time_and_language() -> None:
    [message] = parse("mention")
    assert isinstance(message, InboundMessage)
    assert message.sent_at == dt.datetime(2018, 10, 10, 20, 19, 24, tzinfo=dt.UTC)
    assert message.contact_locale == "en"
    assert message.reply_to_external_ids == ()


def test_a_reply_to_the_account_refers_to_the_replied_post() -> None:
    [message] = parse("mention_reply")
    assert isinstance(message, InboundMessage)
    assert message.reply_to_external_ids == ("1050119000000000000",)
    assert message.contact_locale == "uz"


def test_switched_off_capabilities_turn_events_into_ignored() -> None:
    assert parse("dm_batch", (capabilities.MENTIONS,)) == [
        Ignored("direct message: not received by this inbox"),
        Ignored("direct message: not received by this inbox"),
    ]
    assert parse("mention", (capabilities.DMS,)) == [Ignored("mention: not received by this inbox")]


def test_a_body_without_for_user_id_is_refused() -> None:
    with pytest.raises(ValueError, match="for_user_id"):
        parse_body(7, {"direct_message_events": []}, capabilities.ALL)


def test_a_read_receipt_names_the_reader_and_the_last_event_read() -> None:
    assert parse("dm_read") == [
        ReadMark("3001969357", 1860000000000000003, dt.datetime(2025, 11, 23, 13, 0, tzinfo=dt.UTC))
    ]


def test_the_accounts_own_read_receipt_and_a_dm_less_inbox_ignore_it() -> None:
    assert parse("dm_read_by_account") == [
        Ignored("the account read a direct message conversation")
    ]
    assert parse("dm_read", (capabilities.MENTIONS,)) == [
        Ignored("read receipt: direct messages not received by this inbox")
    ]


def test_a_read_receipt_without_a_numeric_last_event_is_refused() -> None:
    data = json.loads(payload("dm_read"))
    data["direct_message_mark_read_events"][0]["last_read_event_id"] = "abc"
    with pytest.raises(ValueError, match="last_read_event_id"):
        parse_body(7, data, capabilities.ALL)
