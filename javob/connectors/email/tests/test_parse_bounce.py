"""Delivery failures: the original Message-ID, the reason, and whether it is permanent."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from javob.connectors.email.bounce import Bounce
from javob.connectors.email.parse import parse_mail

MAILS = Path(__file__).parent / "mails"


@pytest.mark.parametrize(
    ("name", "bounce"),
    [
        (
            "bounce-dsn-postfix.eml",
            Bounce(
                "conv-1234.msg-9@javob.example",
                "5.1.1 smtp; 550 5.1.1 <nobody@example.org>: Recipient address rejected: "
                "User unknown",
                True,
            ),
        ),
        (
            "bounce-dsn-delayed-headers.eml",
            Bounce(
                "conv-99.msg-1@javob.example",
                "4.4.1 smtp; The recipient server did not accept our requests to connect.",
                False,
            ),
        ),
        (
            "bounce-exim-plain.eml",
            Bounce("conv-55.msg-3@javob.example", "550 5.1.1 User unknown", True),
        ),
        (
            "bounce-exchange-plain.eml",
            Bounce(
                "conv-77.msg-2@javob.example",
                "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; "
                "Recipient not found by SMTP address lookup'",
                True,
            ),
        ),
    ],
)
def test_bounce_reports(name: str, bounce: Bounce) -> None:
    assert parse_mail((MAILS / name).read_bytes()).bounce == bounce


@pytest.mark.parametrize(
    "name", ["bounce-dsn-success.eml", "auto-submitted.eml", "quote-gmail-en.eml"]
)
def test_not_a_bounce(name: str) -> None:
    # a report of successful delivery, an out-of-office reply, a person's mail
    assert parse_mail((MAILS / name).read_bytes()).bounce is None


def test_postfix_bounce_keeps_its_report_and_the_returned_mail_as_attachments() -> None:
    mail = parse_mail((MAILS / "bounce-dsn-postfix.eml").read_bytes())
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("delivery-status.txt", "message/delivery-status"),
        ("[#1234] Your order.eml", "message/rfc822"),
    ]
    assert "Forwarded message" not in mail.text  # a returned mail is not a forward


def test_plain_bounce_without_codes_is_permanent_unless_it_says_it_will_retry() -> None:
    base = (
        "From: MAILER-DAEMON@mx.example.com\r\nSubject: {subject}\r\n"
        "Message-ID: <b@mx.example.com>\r\n\r\n{body}\r\n"
    )
    failed = base.format(subject="failure notice", body="Sorry, we were unable to deliver.")
    delayed = base.format(
        subject="Warning: message delayed", body="The message is delayed; we will retry."
    )
    assert parse_mail(failed.encode()).bounce == Bounce(
        "", "Sorry, we were unable to deliver.", True
    )
    assert parse_mail(delayed.encode()).bounce == Bounce(
        "", "The message is delayed; we will retry.", False
    )


def test_gmail_style_base64_delivery_status_part() -> None:
    status = (
        "Reporting-MTA: dns; googlemail.com\r\n\r\nFinal-Recipient: rfc822; x@example.org\r\n"
        "Action: failed\r\nStatus: 5.2.2\r\nDiagnostic-Code: smtp; 552 5.2.2 Mailbox full\r\n"
    )
    raw = (
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\n"
        "Subject: Delivery Status Notification (Failure)\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="g"\r\n\r\n'
        "--g\r\nContent-Type: text/plain\r\n\r\nAddress not reachable.\r\n"
        "--g\r\nContent-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode(status.encode()).decode()
        + "\r\n--g\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "Message-ID: <sent-1@javob.example>\r\n\r\n--g--\r\n"
    )
    assert parse_mail(raw.encode()).bounce == Bounce(
        "sent-1@javob.example", "5.2.2 smtp; 552 5.2.2 Mailbox full", True
    )
