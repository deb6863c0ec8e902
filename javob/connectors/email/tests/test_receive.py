"""Receiving mail: raw bytes stored once, parsed in a task, identity and quarantine rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from conftest import Cast
from javob.connectors.email import parse, tasks
from javob.connectors.email.actions import may_auto_reply, quarantined, reprocess, store_mail
from javob.connectors.email.models import MailSource, Outcome, Participant, RawMail
from javob.connectors.email.tests import broken
from javob.connectors.email.tests.support import (
    T0,
    conversation_of,
    email_inbox,
    mail,
    process_all,
)
from javob.contacts.models import ContactIdentity
from javob.conversations.models import Message, SenderType
from javob.core.scheduler import run_once

pytestmark = pytest.mark.django_db


def test_a_mail_is_stored_raw_once_and_parsed_into_a_message(cast: Cast) -> None:
    # given an email inbox and one customer mail
    inbox = email_inbox(cast.a)
    raw = mail(message_id="<first@customer.example>")
    # when it is stored twice (a re-fetch after a crash) and processed
    first = store_mail(inbox, raw, MailSource.IMAP)
    second = store_mail(inbox, raw, MailSource.IMAP)
    assert process_all() == ["message"]
    # then one raw row, one message, from the From address
    assert (first.created, second.created, first.raw_mail_id) == (True, False, second.raw_mail_id)
    stored = RawMail.objects.get()
    assert (stored.rfc_message_id, bytes(stored.raw), stored.outcome) == (
        "first@customer.example",
        raw,
        "message",
    )
    message = Message.objects.select_related("conversation__contact").get()
    assert (message.text.strip(), message.external_id, message.sender_type) == (
        "Salom! Buyurtmam qayerda?",
        "first@customer.example",
        SenderType.CONTACT,
    )
    assert message.conversation.subject == "Buyurtma"
    assert message.conversation.contact.name == "Dilnoza"
    assert message.metadata["automated"] is False


def test_same_message_id_with_other_bytes_is_a_duplicate(cast: Cast) -> None:
    # given a mail delivered twice with different Received lines (once by To, once by Cc)
    inbox = email_inbox(cast.a)
    store_mail(inbox, mail(message_id="<dup@x.example>", text="one"), MailSource.SMTP)
    # when the second copy arrives
    again = store_mail(inbox, mail(message_id="<dup@x.example>", text="two"), MailSource.SMTP)
    # then it is not stored again
    assert (again.created, RawMail.objects.count()) == (False, 1)


def test_mail_without_message_id_dedupes_on_its_bytes(cast: Cast) -> None:
    inbox = email_inbox(cast.a)
    raw = b"From: a@customer.example\r\nTo: support@shop.example\r\nSubject: hi\r\n\r\nbody\r\n"
    assert store_mail(inbox, raw, MailSource.HTTP).created is True
    assert store_mail(inbox, raw, MailSource.HTTP).created is False
    assert process_all() == ["message"]
    message = Message.objects.get()
    assert message.external_id == "sha256:" + RawMail.objects.get().sha256


def test_the_contact_is_the_from_address_never_reply_to(cast: Cast) -> None:
    inbox = email_inbox(cast.a)
    store_mail(
        inbox,
        mail(sender="Real <real@customer.example>", reply_to="attacker@evil.example"),
        MailSource.IMAP,
    )
    process_all()
    values = list(ContactIdentity.objects.values_list("value", flat=True))
    assert values == ["real@customer.example"]


def test_a_mail_from_an_agents_address_is_a_flagged_customer_message(cast: Cast) -> None:
    # given a mail claiming to come from alice, an agent of the workspace
    inbox = email_inbox(cast.a)
    store_mail(inbox, mail(sender="Alice <ALICE@example.com>"), MailSource.IMAP)
    # when it is processed
    process_all()
    # then it is a customer message, flagged, and never auto-answered
    message = Message.objects.get()
    assert (message.sender_type, message.sender_agent_id) == (SenderType.CONTACT, None)
    assert message.metadata["email"]["spoofed_agent"] is True
    assert may_auto_reply(message) is False


def test_cc_addresses_become_participants_with_a_cap_on_new_contacts(cast: Cast) -> None:
    # given an inbox that creates at most 2 new contacts per mail, and one known contact
    inbox = email_inbox(cast.a, max_new_contacts="2")
    store_mail(inbox, mail(sender="known@customer.example"), MailSource.IMAP)
    process_all()
    cc = ", ".join([f"p{i}@customer.example" for i in range(5)] + ["known@customer.example"])
    # when a mail Cc's five strangers, the known contact, and the inbox itself
    store_mail(
        inbox,
        mail(sender="boss@customer.example", cc=cc + ", support@shop.example"),
        MailSource.IMAP,
    )
    process_all()
    # then two strangers and the known contact take part, besides the sender
    conversation = Message.objects.order_by("-pk").first().conversation  # type: ignore[union-attr]
    emails = sorted(
        ContactIdentity.objects.filter(
            contact__in=Participant.objects.filter(conversation=conversation).values("contact")
        ).values_list("value", flat=True)
    )
    assert emails == [
        "boss@customer.example",
        "known@customer.example",
        "p0@customer.example",
        "p1@customer.example",
    ]


def test_automated_mail_is_stored_but_never_auto_answered(cast: Cast) -> None:
    inbox = email_inbox(cast.a)
    store_mail(
        inbox,
        mail(sender="shop@vendor.example", headers={"Auto-Submitted": "auto-replied"}),
        MailSource.IMAP,
    )
    process_all()
    message = Message.objects.get()
    assert message.metadata["automated"] is True
    assert may_auto_reply(message) is False


def test_a_plain_customer_mail_may_be_auto_answered(cast: Cast) -> None:
    inbox = email_inbox(cast.a)
    store_mail(inbox, mail(), MailSource.IMAP)
    process_all()
    assert may_auto_reply(Message.objects.get()) is True


def test_an_unparseable_mail_is_quarantined_and_reprocessed(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, on_commit: Any
) -> None:
    # given a parser that fails on a stored mail
    inbox = email_inbox(cast.a)
    monkeypatch.setattr(tasks, "parse_mail", broken.parse_mail)
    store_mail(inbox, mail(message_id="<q@customer.example>"), MailSource.IMAP)
    assert process_all() == ["quarantined"]
    stored = RawMail.objects.get()
    assert (stored.outcome, stored.error) == (Outcome.QUARANTINED, "ValueError: cannot parse")
    assert quarantined(inbox.pk) == [stored.pk]
    assert Message.objects.count() == 0
    # when the parser is fixed and the mail reprocessed
    monkeypatch.setattr(tasks, "parse_mail", parse.parse_mail)
    with on_commit():
        assert reprocess([stored.pk]) == 1
    # then it became a message and left quarantine
    assert conversation_of("<q@customer.example>").contact.name == "Dilnoza"
    assert quarantined(inbox.pk) == []


def test_a_stored_mail_whose_task_was_lost_is_picked_up_by_the_scheduler(cast: Cast) -> None:
    # given a mail stored while the task queue lost its task (the commit hook never ran)
    inbox = email_inbox(cast.a)
    with time_machine.travel(T0, tick=False):
        store_mail(inbox, mail(message_id="<lost@customer.example>"), MailSource.SMTP)
    # when the scheduler sweeps a minute later
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        swept = run_once()["reprocess_pending_mail"]
    # then the mail was processed into a message
    assert (swept, RawMail.objects.get().outcome) == (1, "message")
    assert Message.objects.get().external_id == "lost@customer.example"
