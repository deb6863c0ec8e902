"""Email and the workflow: automated mail skips SLA and routing; the SLA acknowledgement goes
out as an auto-reply and two installs acknowledging each other stop after one exchange."""

from __future__ import annotations

from collections.abc import Callable
from email import message_from_bytes, policy
from typing import Any

import pytest

from conftest import Cast
from javob.accounts.actions import check_set_availability
from javob.accounts.models import Membership
from javob.connectors.email.actions import store_mail
from javob.connectors.email.models import MailSource, OutgoingMail
from javob.connectors.email.tests.servers import SmtpSink
from javob.connectors.email.tests.support import conversation_of, email_inbox, mail, process_all
from javob.conversations.models import Inbox, Message
from javob.routing.actions import SettingInput, check_save_setting
from javob.sla.actions import check_set_auto_ack
from javob.sla.models import AutoAckSent, SlaTimer
from javob.sla.tests.support import standard_policy

pytestmark = pytest.mark.django_db
OnCommit = Callable[..., Any]
LOOP_HEADERS = ("Auto-Submitted", "X-Loop", "Precedence", "X-Auto-Response-Suppress")


def smtp_inbox(cast_admin: Membership, port: int, address: str) -> Inbox:
    """An email inbox sending through our SMTP sink, acknowledging new conversations."""
    inbox = email_inbox(
        cast_admin.workspace,
        address,
        smtp_host="127.0.0.1",
        smtp_port=str(port),
        smtp_security="plain",
    )
    check_set_auto_ack(cast_admin, inbox.pk, enabled=True, default_language="en")
    return inbox


def receive(inbox: Inbox, raw: bytes, on_commit: OnCommit) -> None:
    """Store and process a mail, running the after-receive pipeline (and sends) after commit."""
    with on_commit():
        store_mail(inbox, raw, MailSource.SMTP)
        process_all()


def test_an_auto_reply_starts_no_sla_timer_and_is_not_routed(
    cast: Cast, on_commit: OnCommit
) -> None:
    # given an email inbox under an SLA policy, routed to the one online agent
    inbox = email_inbox(cast.a)
    standard_policy(cast)
    check_save_setting(cast.alice, SettingInput(match_language=False), inbox_id=inbox.pk)
    check_set_availability(cast.alice, "online")
    # when a customer writes, and an out-of-office answer arrives from someone else
    receive(inbox, mail(message_id="<person@customer.example>"), on_commit)
    vacation = mail(
        sender="Jamshid <jamshid@partner.example>",
        subject="Automatic reply: Buyurtma",
        text="I am on vacation until Monday.",
        message_id="<ooo@partner.example>",
        headers={"Auto-Submitted": "auto-replied"},
    )
    receive(inbox, vacation, on_commit)
    # then the customer's mail starts the targets and is assigned
    person = conversation_of("<person@customer.example>")
    assert person.messages.get().metadata["automated"] is False
    timers = SlaTimer.objects.filter(conversation=person).values_list("metric", flat=True)
    assert sorted(timers) == ["first_reply", "resolution"]
    assert person.assignee_id == cast.alice.pk
    # and the auto-reply is stored as automated, with no timer and no agent
    automatic = conversation_of("<ooo@partner.example>")
    message = automatic.messages.get()
    assert (message.metadata["automated"], message.metadata["email"]["automated_reason"]) == (
        True,
        "auto-submitted: auto-replied",
    )
    assert SlaTimer.objects.filter(conversation=automatic).count() == 0
    assert automatic.assignee_id is None


def _exchange(
    sink: SmtpSink, inboxes: dict[str, Inbox], on_commit: OnCommit, *, strip: bool
) -> None:
    """Deliver every mail that leaves to the inbox it is addressed to, until none is left
    (or ten went out: a loop). `strip` is a relay that drops the auto-reply headers."""
    delivered = 0
    while delivered < len(sink.mails) and delivered < 10:
        sent = sink.mails[delivered]
        delivered += 1
        raw = sent.raw
        if strip:
            parsed = message_from_bytes(raw, policy=policy.SMTP)
            for name in LOOP_HEADERS:
                del parsed[name]
            raw = parsed.as_bytes()
        [recipient] = sent.recipients
        receive(inboxes[recipient], raw, on_commit)


@pytest.mark.parametrize(("strip", "mails"), [(False, 1), (True, 2)])
def test_two_javob_installs_acknowledging_each_other_stop_after_one_exchange(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit, strip: bool, mails: int
) -> None:
    # given two installs (workspaces A and B), each acknowledging new email conversations
    inbox_a = smtp_inbox(cast.alice, sink.port, "support@a.example")
    inbox_b = smtp_inbox(cast.charlie, sink.port, "help@b.example")
    inboxes = {"support@a.example": inbox_a, "help@b.example": inbox_b}
    # when a person at B writes to A through the real pipeline, and every mail that leaves
    # reaches the other install
    receive(inbox_a, mail(sender="help@b.example", to="support@a.example"), on_commit)
    _exchange(sink, inboxes, on_commit, strip=strip)
    # then A acknowledged once, as an auto-reply with the loop headers
    first = message_from_bytes(sink.mails[0].raw, policy=policy.default)
    assert (str(first["Auto-Submitted"]), str(first["X-Loop"])) == (
        "auto-replied",
        "support@a.example",
    )
    assert sink.mails[0].recipients == ["help@b.example"]
    assert OutgoingMail.objects.filter(inbox=inbox_a, automatic=True).count() == 1
    # and B never answered the acknowledgement while the headers were there; when a relay
    # stripped them, B's one answer is threaded into A's conversation, which A acknowledged
    # already, and the exchange ends
    assert len(sink.mails) == mails
    received_by_b = Message.objects.get(inbox=inbox_b, direction="incoming")
    assert received_by_b.metadata["automated"] is (not strip)
    assert AutoAckSent.objects.filter(conversation__inbox=inbox_a).count() == 1
    assert AutoAckSent.objects.filter(conversation__inbox=inbox_b).count() == mails - 1
    assert Message.objects.filter(inbox=inbox_a, direction="incoming").count() == mails


def test_no_acknowledgement_to_a_mail_posing_as_the_inbox(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    # given an acknowledging inbox
    inbox = smtp_inbox(cast.alice, sink.port, "support@a.example")
    # when a mail arrives with the inbox's own address as sender (a person's mail, by its
    # headers): only the email channel's guard tells it apart
    receive(inbox, mail(sender="support@a.example", to="support@a.example"), on_commit)
    # then it is stored, flagged, and not acknowledged
    message = Message.objects.get(inbox=inbox)
    assert (message.metadata["automated"], message.metadata["email"]["spoofed_agent"]) == (
        False,
        True,
    )
    assert (len(sink.mails), AutoAckSent.objects.count()) == (0, 0)
