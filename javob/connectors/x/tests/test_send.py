"""Agent replies to X: direct messages, public replies to mentions (280 weighted characters),
private answers to a mention; X's errors mapped to permanent or transient failures, rate limits
waited out until `x-rate-limit-reset`, and a 403 turned into a capability the inbox lacks."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from conftest import Cast
from javob.connectors.health import inbox_health
from javob.connectors.meta.replies import check_send_comment_reply
from javob.connectors.registry import connector_for
from javob.connectors.x.tests.conftest import DM_PATH, add_x_inbox, conversation_of
from javob.connectors.x.tests.fake_x import (
    ACCESS_TOKEN_SECRET,
    CONSUMER_SECRET,
    FakeX,
    problem,
    rate_limited,
)
from javob.connectors.x.text import weighted_length
from javob.conversations.actions import check_send_reply, store_attachment
from javob.conversations.models import Conversation, Inbox, Message
from javob.core.errors import ActionError

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def reply(cast: Cast, conversation: Conversation, on_commit: Any, text: str) -> Message:
    with on_commit():
        message = check_send_reply(cast.alice, conversation.pk, text)
    message.refresh_from_db()
    return message


def test_a_reply_in_a_dm_conversation_is_a_direct_message(
    cast: Cast, dm: Conversation, xapi: FakeX, on_commit: Any
) -> None:
    message = reply(cast, dm, on_commit, "Buyurtmangiz yo'lda, ertaga yetkaziladi.")
    [call] = xapi.calls_to(r"/2/dm_conversations/.*")
    assert (call.method, call.path, call.body, call.auth) == (
        "POST",
        DM_PATH,
        {"text": "Buyurtmangiz yo'lda, ertaga yetkaziladi."},
        "oauth1",
    )
    assert (message.delivery_status, message.external_id, message.failure_reason) == (
        "sent",
        "1860000000000000002",
        "",
    )


def test_a_reply_to_a_mention_is_a_public_reply_to_the_post(
    cast: Cast, public: Conversation, xapi: FakeX, on_commit: Any
) -> None:
    message = reply(cast, public, on_commit, "@dilnoza_r Sorry! We sent you a DM.")
    [call] = xapi.calls_to(r"/2/tweets")
    assert call.body == {
        "text": "@dilnoza_r Sorry! We sent you a DM.",
        "reply": {"in_reply_to_tweet_id": "1050118621198921728"},
    }
    assert (message.delivery_status, message.external_id) == ("sent", "1860000000000000002")


def test_a_private_answer_to_a_mention_goes_as_a_direct_message(
    cast: Cast, public: Conversation, xapi: FakeX, on_commit: Any
) -> None:
    with on_commit():
        message = check_send_comment_reply(
            cast.alice, public.pk, "Please send the order number here.", private=True
        )
    [call] = xapi.calls
    assert (call.path, call.body) == (
        "/2/dm_conversations/with/6253282/messages",
        {"text": "Please send the order number here."},
    )
    message.refresh_from_db()
    assert message.delivery_status == "sent"


def test_a_public_reply_over_280_weighted_characters_is_refused_before_queueing(
    cast: Cast, public: Conversation, xapi: FakeX, on_commit: Any
) -> None:
    # 280 Cyrillic letters weigh 280; 141 CJK characters weigh 282
    assert weighted_length("Ж" * 280) == 280
    assert weighted_length("字" * 141) == 282
    with pytest.raises(ActionError) as raised:
        reply(cast, public, on_commit, "字" * 141)
    assert (raised.value.message, raised.value.field) == (
        "X allows at most 280 characters here; shorten the reply.",
        "text",
    )
    assert Message.objects.filter(direction="outgoing").count() == 0
    assert xapi.calls == []
    # a link weighs 23 whatever its length: 257 letters and one long link fit
    long_link = "https://example.com/" + "a" * 200
    assert weighted_length("a" * 256 + " " + long_link) == 280
    assert reply(cast, public, on_commit, "a" * 256 + " " + long_link).delivery_status == "sent"


def test_a_long_direct_message_is_fine(
    cast: Cast, dm: Conversation, xapi: FakeX, on_commit: Any
) -> None:
    assert reply(cast, dm, on_commit, "a" * 1000).delivery_status == "sent"


def test_a_rate_limit_waits_until_x_rate_limit_reset(
    cast: Cast, dm: Conversation, xapi: FakeX, on_commit: Any
) -> None:
    xapi.fail(rate_limited(int(T0.timestamp()) + 90))
    with time_machine.travel(T0, tick=False):
        message = reply(cast, dm, on_commit, "Hello")
    assert (message.delivery_status, message.failure_reason) == (
        "queued",
        "Rate limited by X: Too Many Requests",
    )
    assert message.next_attempt_at == T0 + dt.timedelta(seconds=90)


def test_a_server_error_is_retried(
    cast: Cast, dm: Conversation, xapi: FakeX, on_commit: Any
) -> None:
    xapi.fail(problem(503, "Service Unavailable", "Service Unavailable"))
    message = reply(cast, dm, on_commit, "Hello")
    assert (message.delivery_status, message.failure_reason) == (
        "queued",
        "Service Unavailable",
    )
    assert message.next_attempt_at is not None


def test_revoked_credentials_fail_for_good_with_xs_words(
    cast: Cast, dm: Conversation, xapi: FakeX, on_commit: Any
) -> None:
    xapi.fail(problem(401, "Unauthorized", "Unauthorized"))
    message = reply(cast, dm, on_commit, "Hello")
    assert (message.delivery_status, message.failure_reason) == (
        "failed",
        "X refused the credentials; reconnect the inbox. Unauthorized",
    )
    health = inbox_health(dm.inbox)
    assert (health.operation, health.healthy) == ("send", False)


def test_a_403_on_direct_messages_is_learned_and_said_plainly(
    cast: Cast, dm: Conversation, public: Conversation, xapi: FakeX, on_commit: Any
) -> None:
    # given an access tier without direct messages
    xapi.forbidden.add("dm")
    # when an agent answers a DM
    message = reply(cast, dm, on_commit, "Hello")
    # then the message fails for good with X's words, and the inbox learned it
    reason = (
        "The X account's access does not allow this: Forbidden: You are not permitted to use "
        "DM endpoints."
    )
    assert (message.delivery_status, message.failure_reason) == ("failed", reason)
    inbox = Inbox.objects.get(pk=dm.inbox_id)
    assert inbox.settings["denied"] == {"send_dm": reason}
    assert connector_for(inbox).limits() == [
        "Replies by direct message cannot be sent with this X access. X said: " + reason
    ]
    # and the next reply is refused before it is queued, saying why
    with pytest.raises(ActionError) as raised:
        reply(cast, dm, on_commit, "Hello again")
    assert raised.value.message == (
        "Your X access does not allow sending direct messages; this conversation cannot be "
        "answered here. " + reason
    )
    assert Message.objects.filter(direction="outgoing").count() == 1
    # while public replies still work
    assert reply(cast, public, on_commit, "@dilnoza_r Hi").delivery_status == "sent"


def test_reconnecting_forgets_what_x_refused(
    cast: Cast, dm: Conversation, xapi: FakeX, on_commit: Any
) -> None:
    from javob.connectors.actions import do_activate_inbox

    xapi.forbidden.add("dm")
    reply(cast, dm, on_commit, "Hello")
    xapi.forbidden.clear()
    do_activate_inbox(Inbox.objects.get(pk=dm.inbox_id))
    assert "denied" not in Inbox.objects.get(pk=dm.inbox_id).settings
    assert reply(cast, dm, on_commit, "Hello again").delivery_status == "sent"


def test_a_receive_only_inbox_says_it_cannot_answer(
    cast: Cast, xapi: FakeX, deliver: Any, on_commit: Any
) -> None:
    from javob.connectors.actions import do_add_inbox

    inbox = do_add_inbox(
        cast.a, "x", "X", {"consumer_secret": CONSUMER_SECRET, "api_url": xapi.url}, []
    )
    conversation = conversation_of(inbox, deliver, "dm_text")
    assert connector_for(inbox).limits() == [
        "Replies by direct message cannot be sent with this X access.",
        "Public replies to mentions cannot be posted with this X access.",
        "Files cannot be sent with this X access; replies carry text only.",
    ]
    with pytest.raises(ActionError):
        reply(cast, conversation, on_commit, "Hello")
    assert xapi.calls == []


def test_a_file_x_does_not_take_fails_even_when_queued_without_the_check(
    cast: Cast, dm: Conversation, xapi: FakeX, on_commit: Any
) -> None:
    with on_commit():
        message = check_send_reply(cast.alice, dm.pk, "See the file")
        store_attachment(message, "a.pdf", "application/pdf", b"%PDF-1.4")
    message.refresh_from_db()
    assert (message.delivery_status, message.failure_reason) == (
        "failed",
        "X takes photos (JPEG, PNG, WebP), GIFs and MP4 or MOV videos; a.pdf is "
        "application/pdf. Send it by link.",
    )
    assert xapi.calls == []


def test_secrets_never_reach_the_logs_or_the_failure_reason(
    cast: Cast, dm: Conversation, xapi: FakeX, on_commit: Any, caplog: pytest.LogCaptureFixture
) -> None:
    xapi.fail(problem(400, "Invalid Request", f"bad token {ACCESS_TOKEN_SECRET}"))
    with caplog.at_level("DEBUG"):
        message = reply(cast, dm, on_commit, "Hello")
    assert message.failure_reason == "Invalid Request: bad token <secret>"
    for secret in (CONSUMER_SECRET, ACCESS_TOKEN_SECRET):
        assert secret not in caplog.text


def test_an_inbox_with_capabilities_set_to_mentions_only(cast: Cast, xapi: FakeX) -> None:
    inbox = add_x_inbox(cast, xapi, capabilities="mentions,reply")
    assert connector_for(inbox).limits() == [
        "Direct messages are not received: this inbox does not have X's direct message access.",
        "Replies by direct message cannot be sent with this X access.",
        "Files cannot be sent with this X access; replies carry text only.",
    ]
