"""`javob smtpd`: our own SMTP/LMTP server, spoken to with smtplib like any mail server."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest

from conftest import Cast
from javob.connectors.email.models import RawMail
from javob.connectors.email.smtpd import MailController
from javob.connectors.email.tests.servers import free_port
from javob.connectors.email.tests.support import conversation_of, email_inbox, mail
from javob.connectors.email.threading import reply_token
from javob.conversations.models import Message

# The server runs in its own thread, with its own database connection: commit for real.
pytestmark = pytest.mark.django_db(transaction=True)
LIMIT = 50_000


@pytest.fixture
def smtp_port() -> Iterator[int]:
    port = free_port()
    controller = MailController(host="127.0.0.1", port=port, max_bytes=LIMIT)
    controller.start()
    yield port
    controller.stop()


@pytest.fixture
def lmtp_port() -> Iterator[int]:
    port = free_port()
    controller = MailController(host="127.0.0.1", port=port, lmtp=True, max_bytes=LIMIT)
    controller.start()
    yield port
    controller.stop()


def test_mail_to_an_inbox_address_is_stored_and_becomes_a_message(
    cast: Cast, smtp_port: int
) -> None:
    # given an inbox
    inbox = email_inbox(cast.a)
    # when a mail server delivers a mail for its address (in any letter case)
    with smtplib.SMTP("127.0.0.1", smtp_port) as client:
        refused = client.sendmail(
            "dilnoza@customer.example",
            ["Support@Shop.example"],
            mail(message_id="<smtp1@customer.example>"),
        )
    # then it was accepted, stored raw with its envelope, and parsed into a message
    assert refused == {}
    stored = RawMail.objects.get()
    assert (stored.inbox_id, stored.source, stored.envelope_to, stored.outcome) == (
        inbox.pk,
        "smtp",
        ["support@shop.example"],
        "message",
    )
    assert Message.objects.get().conversation.contact.name == "Dilnoza"


def test_an_unknown_recipient_is_refused(cast: Cast, smtp_port: int) -> None:
    email_inbox(cast.a)
    with (
        smtplib.SMTP("127.0.0.1", smtp_port) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        client.sendmail("x@customer.example", ["nobody@shop.example"], mail())
    assert refused.value.recipients == {"nobody@shop.example": (550, b"5.1.1 No such mailbox here")}
    assert RawMail.objects.count() == 0


def test_mail_above_the_limit_is_answered_552(cast: Cast, smtp_port: int) -> None:
    email_inbox(cast.a)
    big = mail(text=("x" * 70 + "\n") * (LIMIT // 35))
    with smtplib.SMTP("127.0.0.1", smtp_port) as client:
        client.ehlo()
        # a sender that ignores the advertised SIZE streams it anyway
        client.esmtp_features.pop("size", None)
        with pytest.raises(smtplib.SMTPDataError) as answer:
            client.sendmail("x@customer.example", ["support@shop.example"], big)
    assert (answer.value.smtp_code, answer.value.smtp_error) == (552, b"Error: Too much mail data")
    assert RawMail.objects.count() == 0


def test_a_reply_address_routes_to_its_conversation(cast: Cast, smtp_port: int) -> None:
    # given a conversation of an inbox with a reply domain
    inbox = email_inbox(cast.a, reply_domain="reply.shop.example")
    with smtplib.SMTP("127.0.0.1", smtp_port) as client:
        client.sendmail(
            "d@customer.example", ["support@shop.example"], mail(message_id="<r1@c.example>")
        )
    conversation = conversation_of("<r1@c.example>")
    address = f"reply+{reply_token(conversation)}@reply.shop.example"
    # when a reply comes to the token address only, with no threading headers
    with smtplib.SMTP("127.0.0.1", smtp_port) as client:
        client.sendmail(
            "kamola@customer.example",
            [address],
            mail(sender="kamola@customer.example", to=address, message_id="<r2@c.example>"),
        )
    # then it is routed to the inbox and joins the conversation
    assert RawMail.objects.get(rfc_message_id="r2@c.example").inbox_id == inbox.pk
    assert conversation_of("<r2@c.example>").pk == conversation.pk


def test_lmtp_delivery(cast: Cast, lmtp_port: int) -> None:
    inbox = email_inbox(cast.a)
    with smtplib.LMTP("127.0.0.1", lmtp_port) as client:
        refused = client.sendmail(
            "d@customer.example", ["support@shop.example"], mail(message_id="<l1@c.example>")
        )
    assert refused == {}
    assert RawMail.objects.get().inbox_id == inbox.pk
