"""Sending through a real SMTP server (aiosmtpd): headers, parts, errors, bounces, loops."""

from __future__ import annotations

import json
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from conftest import Cast
from javob.accounts.actions import AgentInput, do_add_agent
from javob.accounts.models import Workspace
from javob.connectors.email.actions import do_send_auto_reply, may_auto_reply, store_mail
from javob.connectors.email.models import MailSource, OutgoingMail, RawMail, ReplyToken
from javob.connectors.email.queries import ThreadingReport, threading_report
from javob.connectors.email.tests.servers import PASSWORD, SmtpSink, free_port
from javob.connectors.email.tests.support import conversation_of, email_inbox, mail, process_all
from javob.connectors.tests.support import delivery_events
from javob.contacts.models import Contact
from javob.conversations.actions import check_send_reply, store_attachment
from javob.conversations.delivery import claim
from javob.conversations.models import Delivery, Inbox, Message
from javob.conversations.tasks import deliver_message

pytestmark = pytest.mark.django_db
OnCommit = Callable[..., Any]


def smtp_inbox(
    workspace: Workspace, port: int, address: str = "support@shop.example", **extra: str
) -> Inbox:
    options = {
        "smtp_host": "127.0.0.1",
        "smtp_port": str(port),
        "smtp_security": "plain",
        "reply_domain": "reply.shop.example",
        "signature": "{agent}\nShop support",
        **extra,
    }
    return email_inbox(workspace, address, **options)


def _customer_mail(inbox: Inbox, message_id: str = "<q1@customer.example>", **kw: Any) -> Message:
    store_mail(
        inbox,
        mail(message_id=message_id, references="<root@customer.example>", **kw),
        MailSource.IMAP,
    )
    process_all()
    return Message.objects.filter(inbox=inbox, direction="incoming").latest("pk")


def _sent(sink: SmtpSink, index: int = -1) -> EmailMessage:
    return message_from_bytes(sink.mails[index].raw, policy=policy.default)


def test_an_agent_reply_carries_full_threading_headers(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    # given a customer mail in an inbox sending through our SMTP server
    inbox = smtp_inbox(cast.a, sink.port)
    question = _customer_mail(inbox)
    conversation = question.conversation
    aziza = do_add_agent(cast.a, AgentInput(email="aziza@staff.example", display_name="Aziza K"))
    # when Aziza, an agent, answers
    with on_commit():
        reply = check_send_reply(aziza, conversation.pk, "Ertaga yetkaziladi.")
    # then one mail left, threaded to the customer's, from Aziza with the inbox address
    reply.refresh_from_db()
    outgoing = OutgoingMail.objects.get(message=reply)
    token = ReplyToken.objects.get(conversation=conversation).token
    sent = _sent(sink)
    assert (sink.mails[0].sender, sink.mails[0].recipients) == (
        "support@shop.example",
        ["dilnoza@customer.example"],
    )
    assert str(sent["From"]) == "Aziza K <support@shop.example>"
    assert str(sent["To"]) == "dilnoza@customer.example"
    assert str(sent["Subject"]) == f"Re: Buyurtma [#{conversation.number}]"
    assert str(sent["Message-ID"]) == f"<{outgoing.rfc_message_id}>"
    assert str(sent["In-Reply-To"]) == "<q1@customer.example>"
    assert str(sent["References"]) == "<root@customer.example> <q1@customer.example>"
    assert str(sent["Reply-To"]) == f"Shop support <reply+{token}@reply.shop.example>"
    assert "Auto-Submitted" not in sent
    assert (reply.delivery_status, reply.external_id) == (Delivery.SENT, outgoing.rfc_message_id)
    assert outgoing.rfc_message_id == f"javob.{reply.idempotency_key.hex}@shop.example"
    # with a plain and an HTML part, both signed
    plain = sent.get_body(("plain",))
    html = sent.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert (
        plain.get_content().replace("\r\n", "\n")
        == "Ertaga yetkaziladi.\n\n-- \nAziza K\nShop support\n"
    )
    assert "<p>Ertaga yetkaziladi.</p>" in html.get_content()
    assert "Aziza K<br>Shop support" in html.get_content()
    assert threading_report(inbox.pk).share == 1.0


def test_attachments_are_sent(cast: Cast, sink: SmtpSink, on_commit: OnCommit) -> None:
    inbox = smtp_inbox(cast.a, sink.port)
    conversation = _customer_mail(inbox).conversation
    with on_commit():
        reply = check_send_reply(cast.alice, conversation.pk, "Chek ilova qilindi.")
        store_attachment(reply, "chek.pdf", "application/pdf", b"%PDF-1.4 chek")
    files = [(p.get_filename(), p.get_content()) for p in _sent(sink).iter_attachments()]
    assert files == [("chek.pdf", b"%PDF-1.4 chek")]


def test_a_customer_reply_to_our_mail_joins_the_conversation(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    # given our reply to a customer
    inbox = smtp_inbox(cast.a, sink.port)
    conversation = _customer_mail(inbox).conversation
    with on_commit():
        reply = check_send_reply(cast.alice, conversation.pk, "Qaysi buyurtma?")
    ours = OutgoingMail.objects.get(message=reply).rfc_message_id
    # when the customer answers it from a client that sends only In-Reply-To
    store_mail(
        inbox,
        mail(message_id="<q2@customer.example>", in_reply_to=f"<{ours}>", subject="Re: x"),
        MailSource.IMAP,
    )
    process_all()
    # then the answer joins the conversation and points at our reply
    answer = Message.objects.get(external_id="q2@customer.example")
    assert (answer.conversation_id, answer.reply_to_id) == (conversation.pk, reply.pk)


def test_our_own_mail_seen_again_is_not_a_customer_message(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    inbox = smtp_inbox(cast.a, sink.port)
    conversation = _customer_mail(inbox).conversation
    with on_commit():
        check_send_reply(cast.alice, conversation.pk, "Javob")
    # when the copy of our reply lands in the mailbox (a Cc, a Sent folder)
    store_mail(inbox, sink.mails[0].raw, MailSource.IMAP)
    assert process_all() == ["own"]
    assert Message.objects.filter(inbox=inbox).count() == 2


def test_starttls_and_auth(
    cast: Cast, tls_sink: SmtpSink, certificate: tuple[Path, Path], on_commit: OnCommit
) -> None:
    # given an SMTP server demanding STARTTLS and a password
    inbox = smtp_inbox(
        cast.a,
        tls_sink.port,
        smtp_security="starttls",
        smtp_user="sender",
        smtp_password=PASSWORD,
        tls_ca_file=str(certificate[0]),
    )
    conversation = _customer_mail(inbox).conversation
    # when alice answers
    with on_commit():
        reply = check_send_reply(cast.alice, conversation.pk, "Salom")
    # then the mail went through
    reply.refresh_from_db()
    assert (reply.delivery_status, len(tls_sink.mails)) == (Delivery.SENT, 1)


def test_a_wrong_password_fails_for_good_with_the_servers_words(
    cast: Cast, tls_sink: SmtpSink, certificate: tuple[Path, Path], on_commit: OnCommit
) -> None:
    inbox = smtp_inbox(
        cast.a,
        tls_sink.port,
        smtp_security="starttls",
        smtp_user="sender",
        smtp_password="wrong-password",
        tls_ca_file=str(certificate[0]),
    )
    conversation = _customer_mail(inbox).conversation
    with on_commit():
        reply = check_send_reply(cast.alice, conversation.pk, "Salom")
    reply.refresh_from_db()
    assert reply.delivery_status == Delivery.FAILED
    assert (
        reply.failure_reason
        == "The mail server answered 535 5.7.8 Authentication credentials invalid"
    )


def test_a_5xx_answer_fails_the_message(cast: Cast, sink: SmtpSink, on_commit: OnCommit) -> None:
    inbox = smtp_inbox(cast.a, sink.port)
    conversation = _customer_mail(inbox).conversation
    sink.handler.answer = "550 5.7.1 Message rejected as spam"
    with on_commit():
        reply = check_send_reply(cast.alice, conversation.pk, "Salom")
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.failure_reason, reply.attempts) == (
        Delivery.FAILED,
        "The mail server answered 550 5.7.1 Message rejected as spam",
        1,
    )


def test_a_4xx_answer_is_retried_with_the_same_message_id(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    # given a server that answers "try later" once
    inbox = smtp_inbox(cast.a, sink.port)
    conversation = _customer_mail(inbox).conversation
    sink.handler.answer = "451 4.7.1 Greylisted, try again later"
    with on_commit():
        reply = check_send_reply(cast.alice, conversation.pk, "Salom")
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.failure_reason) == (
        Delivery.QUEUED,
        "The mail server answered 451 4.7.1 Greylisted, try again later",
    )
    first_id = OutgoingMail.objects.get(message=reply).rfc_message_id
    # when the retry comes due and the server accepts
    sink.handler.answer = ""
    Message.objects.filter(pk=reply.pk).update(next_attempt_at=reply.created_at)
    assert deliver_message.call(reply.pk) == "sent"
    # then the mail carries the Message-ID fixed before the first attempt
    assert str(_sent(sink)["Message-ID"]) == f"<{first_id}>"
    assert OutgoingMail.objects.filter(message=reply).count() == 1


def test_a_closed_port_is_a_transient_failure(
    cast: Cast, local_servers: None, on_commit: OnCommit
) -> None:
    inbox = smtp_inbox(cast.a, free_port())
    conversation = _customer_mail(inbox).conversation
    with on_commit():
        reply = check_send_reply(cast.alice, conversation.pk, "Salom")
    reply.refresh_from_db()
    assert reply.delivery_status == Delivery.QUEUED
    assert reply.failure_reason.startswith("ConnectionRefusedError")


def test_an_internal_smtp_host_is_refused_unless_allowed(cast: Cast, on_commit: OnCommit) -> None:
    inbox = smtp_inbox(cast.a, 25)
    conversation = _customer_mail(inbox).conversation
    with on_commit():
        reply = check_send_reply(cast.alice, conversation.pk, "Salom")
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.failure_reason) == (
        Delivery.FAILED,
        "127.0.0.1 resolves to 127.0.0.1, an internal address.",
    )


def _bounce_for(message_id: str, action: str = "failed", status: str = "5.1.1") -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>\r\n"
        "To: support@shop.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce1@mx.customer.example>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.customer.example\r\n\r\n"
        f"Final-Recipient: rfc822; dilnoza@customer.example\r\nAction: {action}\r\n"
        f"Status: {status}\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: support@shop.example\r\nMessage-ID: <{message_id}>\r\nSubject: Re\r\n\r\n"
        "--B--\r\n"
    ).encode()


def test_a_bounce_fails_the_original_and_creates_no_contact(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    # given a reply that was sent
    inbox = smtp_inbox(cast.a, sink.port)
    conversation = _customer_mail(inbox).conversation
    with on_commit():
        reply = check_send_reply(cast.alice, conversation.pk, "Salom")
    contacts = Contact.objects.count()
    # when the customer's server reports it undeliverable
    store_mail(
        inbox, _bounce_for(OutgoingMail.objects.get(message=reply).rfc_message_id), MailSource.IMAP
    )
    assert process_all() == ["bounce"]
    # then the reply is failed with the reason, and no contact or message came of the bounce
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.failure_reason) == (
        Delivery.FAILED,
        "5.1.1 smtp; 550 5.1.1 User unknown",
    )
    assert Contact.objects.count() == contacts
    assert Message.objects.filter(inbox=inbox).count() == 2
    assert RawMail.objects.get(rfc_message_id="bounce1@mx.customer.example").outcome == "bounce"


def test_the_auto_reply_guard_holds_even_when_headers_are_stripped(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    # given a conversation that already got an automatic answer
    inbox = smtp_inbox(cast.a, sink.port)
    first = _customer_mail(inbox)
    with on_commit():
        do_send_auto_reply(first.conversation, "Received.")
    # when another plain mail arrives in it (a system that dropped Auto-Submitted)
    second = _customer_mail(
        inbox, message_id="<q9@customer.example>", in_reply_to="<q1@customer.example>"
    )
    # then no second automatic answer goes out today
    assert second.conversation_id == first.conversation_id
    assert may_auto_reply(second) is False


def test_the_threading_report_counts_only_sent_mail(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    inbox = smtp_inbox(cast.a, sink.port)
    conversation = _customer_mail(inbox).conversation
    with on_commit():
        check_send_reply(cast.alice, conversation.pk, "bir")
        check_send_reply(cast.alice, conversation.pk, "ikki")
    report = threading_report(inbox.pk)
    assert (report.sent, report.complete, report.share) == (2, 2, 1.0)
    assert claim(0) is None
    assert conversation_of("<q1@customer.example>").pk == conversation.pk


def test_inbox_show_reports_threading_of_an_email_inbox_only(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    # given an email inbox that sent two replies, and an API inbox
    inbox = smtp_inbox(cast.a, sink.port)
    conversation = _customer_mail(inbox).conversation
    with on_commit():
        check_send_reply(cast.alice, conversation.pk, "bir")
        check_send_reply(cast.alice, conversation.pk, "ikki")
    # when an operator shows them
    shown = _show(inbox.pk)
    # then the email inbox's report counts the two sent mails, complete; the API one has none
    assert (shown["kind"], shown["threading"]) == (
        "email",
        {"sent": 2, "complete": 2, "share": 1.0},
    )
    assert "threading" not in _show(cast.inbox_a.pk)


def test_the_inbox_settings_page_shows_the_threading_share(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit, client: Client
) -> None:
    # given an email inbox that sent two replies, and one that sent nothing
    inbox = smtp_inbox(cast.a, sink.port)
    quiet = email_inbox(cast.a, "sales@shop.example")
    conversation = _customer_mail(inbox).conversation
    with on_commit():
        check_send_reply(cast.alice, conversation.pk, "bir")
        check_send_reply(cast.alice, conversation.pk, "ikki")
    # when the admin opens their settings pages
    client.force_login(cast.alice.user)
    pages = [client.get(f"/settings/inboxes/{pk}/").content.decode() for pk in (inbox.pk, quiet.pk)]
    # then each says how many sent mails carried complete threading headers
    assert (
        '<dd id="threading-share">2 of 2 sent mails carried complete threading headers '
        "(100 %; the target is 100 %).</dd>"
    ) in pages[0]
    assert '<dd id="threading-share">No mail sent yet.</dd>' in pages[1]
    # and an API inbox's page has no such line
    assert (
        "threading-share"
        not in client.get(f"/settings/inboxes/{cast.inbox_a.pk}/").content.decode()
    )


def test_the_threading_share_is_never_rounded_up_to_the_target() -> None:
    assert [
        ThreadingReport(sent, complete).percent for sent, complete in ((1000, 996), (3, 3), (0, 0))
    ] == [99, 100, 100]


def _show(inbox_id: int) -> Any:
    out = StringIO()
    call_command("inbox", "show", str(inbox_id), stdout=out)
    return json.loads(out.getvalue())


def test_a_reply_goes_to_the_customer_and_cc_to_the_participants(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    # given a customer mail that Cc'd a colleague and the inbox itself
    inbox = smtp_inbox(cast.a, sink.port)
    cc = "Kamola <kamola@customer.example>, support@shop.example"
    conversation = _customer_mail(inbox, cc=cc).conversation
    # when alice answers
    with on_commit():
        check_send_reply(cast.alice, conversation.pk, "Salom")
    # then the customer gets it, the colleague in Cc, and we do not mail ourselves
    assert sink.mails[0].recipients == ["dilnoza@customer.example", "kamola@customer.example"]
    assert str(_sent(sink)["Cc"]) == "kamola@customer.example"


def test_a_delay_report_changes_nothing(cast: Cast, sink: SmtpSink, on_commit: OnCommit) -> None:
    inbox = smtp_inbox(cast.a, sink.port)
    conversation = _customer_mail(inbox).conversation
    with on_commit():
        reply = check_send_reply(cast.alice, conversation.pk, "Salom")
    original = OutgoingMail.objects.get(message=reply).rfc_message_id
    store_mail(inbox, _bounce_for(original, action="delayed", status="4.4.7"), MailSource.IMAP)
    assert process_all() == ["bounce"]
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.failure_reason) == (Delivery.SENT, "")


def test_a_bounce_before_the_send_is_recorded_fails_the_reply_once_it_is(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    # given a reply whose first attempt got no usable answer (it stays queued, its
    # Message-ID fixed), while the customer's server took the mail and bounced it
    inbox = smtp_inbox(cast.a, sink.port)
    conversation = _customer_mail(inbox).conversation
    sink.handler.answer = "451 4.7.1 Greylisted, try again later"
    with on_commit():
        reply = check_send_reply(cast.alice, conversation.pk, "Salom")
    rfc_id = OutgoingMail.objects.get(message=reply).rfc_message_id
    store_mail(inbox, _bounce_for(rfc_id), MailSource.IMAP)
    assert process_all() == ["bounce"]
    assert Message.objects.get(pk=reply.pk).delivery_status == Delivery.QUEUED
    # when the retry is accepted and recorded under that Message-ID
    sink.handler.answer = ""
    Message.objects.filter(pk=reply.pk).update(next_attempt_at=reply.created_at)
    with on_commit():
        assert deliver_message.call(reply.pk) == "sent"
    # then the bounce applies: the reply is failed with its reason
    reply.refresh_from_db()
    assert (reply.delivery_status, reply.external_id, reply.failure_reason) == (
        Delivery.FAILED,
        rfc_id,
        "5.1.1 smtp; 550 5.1.1 User unknown",
    )
    assert [e["status"] for e in delivery_events(reply)] == ["sent", "failed"]
