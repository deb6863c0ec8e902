"""Machine-written mail is recognised, and the reason names the rule that decided."""

from __future__ import annotations

from pathlib import Path

import pytest

from javob.connectors.email.automated import Automated, detect
from javob.connectors.email.parse import parse_mail

MAILS = Path(__file__).parent / "mails"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto-submitted.eml", "auto-submitted: auto-replied"),
        ("precedence-bulk.eml", "precedence: bulk"),
        ("auto-response-suppress.eml", "x-auto-response-suppress: All"),
        ("x-autoreply.eml", "x-autoreply"),
        ("x-loop.eml", "x-loop"),
        ("list-newsletter.eml", "list-id"),
        ("null-return-path.eml", "null return path"),
        ("noreply-sender.eml", "sender: no-reply"),
        ("bounce-dsn-postfix.eml", "auto-submitted: auto-replied"),
        ("bounce-dsn-delayed-headers.eml", "null return path"),
        ("bounce-exim-plain.eml", "x-failed-recipients"),
        ("bounce-exchange-plain.eml", "sender: postmaster"),
    ],
)
def test_automated_mail_and_the_rule_that_decided(name: str, reason: str) -> None:
    mail = parse_mail((MAILS / name).read_bytes())
    assert mail.automated == Automated(True, reason)


@pytest.mark.parametrize(
    "name", ["auto-submitted-no.eml", "quote-gmail-en.eml", "spoofed-display-name.eml"]
)
def test_a_persons_mail_is_not_automated(name: str) -> None:
    mail = parse_mail((MAILS / name).read_bytes())
    assert mail.automated == Automated(False, "")


@pytest.mark.parametrize(
    ("headers", "sender", "content_type", "reason"),
    [
        (
            {"auto-submitted": "auto-generated; owner-email=x@example.com"},
            "",
            "text/plain",
            "auto-submitted: auto-generated",
        ),
        ({"precedence": "Junk"}, "", "text/plain", "precedence: junk"),
        ({"precedence": "list"}, "", "text/plain", "precedence: list"),
        ({"precedence": "auto_reply"}, "", "text/plain", "precedence: auto_reply"),
        ({"x-autorespond": "1"}, "", "text/plain", "x-autorespond"),
        ({"list-unsubscribe": "<mailto:u@example.com>"}, "", "text/plain", "list-unsubscribe"),
        ({"return-path": "< >"}, "", "text/plain", "null return path"),
        ({}, "", "multipart/report", "multipart/report"),
        ({}, "MAILER-DAEMON@mx.example.com", "text/plain", "sender: mailer-daemon"),
        ({}, "postmaster@example.com", "text/plain", "sender: postmaster"),
        ({}, "noreply@example.com", "text/plain", "sender: noreply"),
        ({}, "do-not-reply@example.com", "text/plain", "sender: do-not-reply"),
        ({}, "noreply-billing@example.com", "text/plain", "sender: noreply"),
        ({}, "bounces+123@example.com", "text/plain", "sender: bounces"),
    ],
)
def test_each_rule(headers: dict[str, str], sender: str, content_type: str, reason: str) -> None:
    assert detect(headers, sender, content_type) == Automated(True, reason)


@pytest.mark.parametrize(
    ("headers", "sender"),
    [
        ({"auto-submitted": "no"}, "ann@example.com"),
        ({"precedence": "first-class"}, "ann@example.com"),
        ({"x-auto-response-suppress": "None"}, "ann@example.com"),
        ({"return-path": "<ann@example.com>"}, "ann@example.com"),
        ({}, "noreen@example.com"),
        ({}, "replies@example.com"),
    ],
)
def test_near_misses_are_human(headers: dict[str, str], sender: str) -> None:
    assert detect(headers, sender, "text/plain") == Automated(False, "")
