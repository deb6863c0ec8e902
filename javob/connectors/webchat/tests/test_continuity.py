"""A web chat continues by email: follow-ups go out through the linked email inbox (a real
SMTP server here), and the visitor's emailed answer, arriving as raw MIME on the email
inbox's webhook, joins the chat conversation; a stranger citing the mail does not."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
import time_machine
from django.core import mail as django_mail
from django.test import Client

from conftest import Cast
from javob.connectors.actions import do_add_inbox
from javob.connectors.email.models import ReplyToken
from javob.connectors.email.tests.servers import SmtpSink, start_sink, stopping
from javob.connectors.email.tests.support import email_inbox, mail
from javob.connectors.webchat.actions import do_touch
from javob.connectors.webchat.followup import email_unseen_replies
from javob.connectors.webchat.models import MailStatus, Visitor, VisitorMail
from javob.connectors.webchat.tests.support import SITE, Widget, add_webchat
from javob.conversations.actions import check_send_reply
from javob.conversations.models import Conversation, Inbox, Message
from javob.core.errors import ActionError

pytestmark = pytest.mark.django_db
OnCommit = Callable[..., Any]
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(minutes=11)


@pytest.fixture
def sink(settings: Any) -> Iterator[SmtpSink]:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1"]
    yield from stopping(start_sink())


def _inboxes(cast: Cast, port: int, reply_domain: str = "reply.shop.example") -> Inbox:
    support = email_inbox(
        cast.a,
        smtp_host="127.0.0.1",
        smtp_port=str(port),
        smtp_security="plain",
        reply_domain=reply_domain,
    )
    return add_webchat(cast.a, away_minutes="10", email_inbox=str(support.pk))


def _visitor_who_left(chat: Inbox) -> tuple[Widget, Conversation]:
    widget = Widget(chat)
    widget.start(languages=("en",))
    widget.post("visitor", {"name": "Aziza", "email": "Aziza@Example.com"})
    message_id = widget.say("c1", "Is my order shipped?").json()["id"]
    visitor = Visitor.objects.get()
    do_touch(visitor.pk, connected=1)
    do_touch(visitor.pk, connected=-1)
    return widget, Message.objects.get(pk=message_id).conversation


def _sent(sink: SmtpSink, index: int = -1) -> EmailMessage:
    return message_from_bytes(sink.mails[index].raw, policy=policy.default)


def _post_mime(chat: Inbox, raw: bytes) -> Any:
    support = Inbox.objects.get(pk=int(chat.settings["email_inbox"]))
    return Client().post(
        f"/hooks/email/{support.pk}/mime",
        data=raw,
        content_type="message/rfc822",
        headers={"Authorization": f"Bearer {support.secrets['webhook_secret']}"},
    )


def _reply_mail(sent: EmailMessage, **kw: Any) -> bytes:
    options = {
        "sender": "Aziza <aziza@example.com>",
        "to": str(sent["Reply-To"]),
        "subject": f"Re: {sent['Subject']}",
        "text": "Thanks! Can you send it to my office instead?",
        "in_reply_to": str(sent["Message-ID"]),
        "references": str(sent["Message-ID"]),
        **kw,
    }
    return mail(**options)


def test_the_follow_up_goes_through_the_email_inbox_and_the_answer_joins_the_chat(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    # given a visitor who left an address and the chat, and an agent's answer
    chat = _inboxes(cast, sink.port)
    with time_machine.travel(NOW, tick=False):
        widget, conversation = _visitor_who_left(chat)
        check_send_reply(cast.alice, conversation.pk, "Yes, it ships today.")
    # when the sweep runs after the away time
    with time_machine.travel(LATER, tick=False):
        assert email_unseen_replies() == 1
        assert email_unseen_replies() == 0
    # then one mail left through the email inbox's SMTP server, with threading headers
    row = VisitorMail.objects.get()
    token = ReplyToken.objects.get(conversation=conversation)
    assert token.inbox_id == int(chat.settings["email_inbox"])
    assert (row.status, row.attempts, row.to) == (MailStatus.SENT, 1, "aziza@example.com")
    assert django_mail.outbox == []
    assert (sink.mails[0].sender, sink.mails[0].recipients) == (
        "support@shop.example",
        ["aziza@example.com"],
    )
    sent = _sent(sink)
    assert str(sent["From"]) == "Site chat <support@shop.example>"
    assert str(sent["Reply-To"]) == f"Site chat <reply+{token.token}@reply.shop.example>"
    assert str(sent["Message-ID"]) == f"<{row.rfc_message_id}>"
    assert row.rfc_message_id.endswith("@shop.example")
    assert str(sent["Subject"]) == f"[#{conversation.number}] New reply from Site chat"
    assert sent["In-Reply-To"] is None
    assert "alice@example.com: Yes, it ships today." in sent.get_content()

    # when the visitor answers the mail (its raw MIME posted to the email inbox's webhook)
    with time_machine.travel(LATER + dt.timedelta(minutes=5), tick=False), on_commit():
        answer = _post_mime(chat, _reply_mail(sent, message_id="<a1@example.com>"))
    # then the answer is a message of the chat conversation, received through the email inbox
    assert (answer.status_code, answer.content) == (200, b"stored")
    stored = Message.objects.get(external_id="a1@example.com")
    assert stored.conversation_id == conversation.pk
    assert stored.inbox_id == int(chat.settings["email_inbox"])
    assert stored.text == "Thanks! Can you send it to my office instead?"
    assert Conversation.objects.count() == 1

    # when the agent answers again and the visitor is still away
    with time_machine.travel(LATER + dt.timedelta(minutes=6), tick=False):
        check_send_reply(cast.alice, conversation.pk, "Done: office address noted.")
        assert email_unseen_replies() == 1
    # then the second mail answers the visitor's mail, in the same thread
    second = _sent(sink)
    assert str(second["In-Reply-To"]) == "<a1@example.com>"
    assert str(second["References"]) == f"<{row.rfc_message_id}> <a1@example.com>"
    assert "Done: office address noted." in second.get_content()
    assert "Yes, it ships today." not in second.get_content()

    # and when the visitor comes back to the site, the widget shows the whole conversation
    widget.start(languages=("en",))
    texts = [(m["mine"], m["text"]) for m in widget.start().json()["history"]]
    assert texts == [
        (True, "Is my order shipped?"),
        (False, "Yes, it ships today."),
        (True, "Thanks! Can you send it to my office instead?"),
        (False, "Done: office address noted."),
    ]


def test_without_a_reply_domain_the_visitors_address_citing_the_mail_joins(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    # given a follow-up sent through an email inbox without a reply domain
    chat = _inboxes(cast, sink.port, reply_domain="")
    with time_machine.travel(NOW, tick=False):
        _widget, conversation = _visitor_who_left(chat)
        check_send_reply(cast.alice, conversation.pk, "Yes.")
    with time_machine.travel(LATER, tick=False):
        assert email_unseen_replies() == 1
    sent = _sent(sink)
    assert sent["Reply-To"] is None
    # when the visitor answers from the address they left (any case), to the inbox address
    with on_commit():
        _post_mime(
            chat,
            _reply_mail(sent, to="support@shop.example", sender="AZIZA@example.com"),
        )
    # then it joins the chat conversation
    assert Message.objects.filter(conversation=conversation).count() == 3
    assert Conversation.objects.count() == 1


def test_a_stranger_citing_the_follow_up_starts_a_conversation_of_their_own(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    # given a follow-up mailed to the visitor
    chat = _inboxes(cast, sink.port, reply_domain="")
    with time_machine.travel(NOW, tick=False):
        _widget, conversation = _visitor_who_left(chat)
        check_send_reply(cast.alice, conversation.pk, "Your code is 4711.")
    with time_machine.travel(LATER, tick=False):
        email_unseen_replies()
    sent = _sent(sink)
    # when someone else writes citing its Message-ID (and its [#number] subject)
    with on_commit():
        _post_mime(
            chat,
            _reply_mail(sent, to="support@shop.example", sender="mallory@evil.example"),
        )
    # then their mail starts a new conversation in the email inbox; the chat is untouched
    stranger = Message.objects.get(sender_contact__identities__value="mallory@evil.example")
    assert stranger.conversation_id != conversation.pk
    assert stranger.conversation.inbox_id == int(chat.settings["email_inbox"])
    assert Message.objects.filter(conversation=conversation).count() == 2


def test_the_reply_token_lets_the_visitor_answer_from_another_address(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    chat = _inboxes(cast, sink.port)
    with time_machine.travel(NOW, tick=False):
        _widget, conversation = _visitor_who_left(chat)
        check_send_reply(cast.alice, conversation.pk, "Yes.")
    with time_machine.travel(LATER, tick=False):
        email_unseen_replies()
    sent = _sent(sink)
    # when the answer comes from the visitor's work address, to the reply+token address only
    with on_commit():
        _post_mime(chat, _reply_mail(sent, sender="aziza@work.example", in_reply_to=""))
    # then the token is enough
    assert Message.objects.filter(conversation=conversation).count() == 3


def test_a_transcript_goes_through_the_email_inbox(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    chat = _inboxes(cast, sink.port)
    widget = Widget(chat)
    widget.start(languages=("en",))
    said = widget.say("c1", "Hello").json()["id"]
    conversation_id = Message.objects.get(pk=said).conversation_id
    check_send_reply(cast.alice, conversation_id, "Hi!")

    with on_commit():
        response = widget.post("transcript", {"email": "aziza@example.com"})

    assert response.status_code == 202
    number = Conversation.objects.get(pk=conversation_id).number
    sent = _sent(sink)
    assert str(sent["Subject"]) == f"Your conversation with Site chat [#{number}]"
    assert sink.mails[0].recipients == ["aziza@example.com"]
    body = sent.get_content()
    assert "You: Hello" in body
    assert "alice@example.com: Hi!" in body


def test_a_refused_mail_is_retried_with_backoff_then_given_up(cast: Cast, sink: SmtpSink) -> None:
    # given a mail server that answers 451 (try later)
    chat = _inboxes(cast, sink.port)
    sink.handler.answer = "451 Try again later"
    with time_machine.travel(NOW, tick=False):
        _widget, conversation = _visitor_who_left(chat)
        check_send_reply(cast.alice, conversation.pk, "Yes.")
    with time_machine.travel(LATER, tick=False):
        assert email_unseen_replies() == 0
        assert email_unseen_replies() == 0  # not due again yet
    row = VisitorMail.objects.get()
    assert (row.status, row.attempts) == (MailStatus.PENDING, 1)
    assert row.error == "The mail server answered 451 Try again later"
    # when the server accepts again, the next due attempt sends the same mail
    sink.handler.answer = ""
    with time_machine.travel(LATER + dt.timedelta(minutes=3), tick=False):
        assert email_unseen_replies() == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, len(sink.mails)) == (MailStatus.SENT, 2, 1)
    assert str(_sent(sink)["Message-ID"]) == f"<{row.rfc_message_id}>"


def test_a_permanent_refusal_fails_the_mail_at_once(cast: Cast, sink: SmtpSink) -> None:
    chat = _inboxes(cast, sink.port)
    sink.handler.answer = "550 No such user"
    with time_machine.travel(NOW, tick=False):
        _widget, conversation = _visitor_who_left(chat)
        check_send_reply(cast.alice, conversation.pk, "Yes.")
    with time_machine.travel(LATER, tick=False):
        assert email_unseen_replies() == 0
    row = VisitorMail.objects.get()
    assert (row.status, row.attempts, row.error) == (
        MailStatus.FAILED,
        1,
        "The mail server answered 550 No such user",
    )


def test_email_inbox_must_be_an_email_inbox_of_the_same_workspace(cast: Cast) -> None:
    other = email_inbox(cast.b, "help@other.example")
    telegramless = add_webchat(cast.a)
    for value in (str(other.pk), str(telegramless.pk), "x1"):
        with pytest.raises(ActionError) as error:
            do_add_inbox(
                cast.a,
                "webchat",
                "Chat",
                {"allowed_origins": SITE, "email_inbox": value},
                ["en"],
            )
        assert error.value.field == "email_inbox"
    assert Inbox.objects.filter(kind="webchat").count() == 1
