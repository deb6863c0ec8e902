"""`POST /hooks/email/<inbox>/mime`: raw mail forwarded by a provider, with the inbox secret."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client

from conftest import Cast
from javob.connectors.email.models import RawMail, WebhookToken
from javob.connectors.email.tests.support import email_inbox, mail
from javob.conversations.models import Inbox, Message

pytestmark = pytest.mark.django_db


def _post(client: Client, inbox: Inbox, body: bytes, secret: str | None = None) -> Any:
    secret = secret or str(Inbox.objects.get(pk=inbox.pk).secrets["webhook_secret"])
    return client.post(
        f"/hooks/email/{inbox.pk}/mime",
        data=body,
        content_type="message/rfc822",
        headers={"Authorization": f"Bearer {secret}"},
    )


def test_a_forwarded_mail_is_stored_and_processed(
    cast: Cast, client: Client, on_commit: Any
) -> None:
    inbox = email_inbox(cast.a)
    raw = mail(message_id="<hook1@customer.example>")
    with on_commit():
        first = _post(client, inbox, raw)
    again = _post(client, inbox, raw)
    assert (first.status_code, first.content, again.content) == (200, b"stored", b"duplicate")
    assert bytes(RawMail.objects.get().raw) == raw
    assert Message.objects.get().external_id == "hook1@customer.example"


def test_a_wrong_secret_is_rejected(cast: Cast, client: Client) -> None:
    inbox = email_inbox(cast.a)
    response = _post(client, inbox, mail(), secret="not-the-secret-at-all")
    assert (response.status_code, RawMail.objects.count()) == (401, 0)


def test_another_inboxs_secret_is_rejected(cast: Cast, client: Client) -> None:
    inbox = email_inbox(cast.a)
    other = email_inbox(cast.b, "help@other.example")
    secret = str(Inbox.objects.get(pk=other.pk).secrets["webhook_secret"])
    response = _post(client, inbox, mail(), secret=secret)
    assert (response.status_code, RawMail.objects.count()) == (401, 0)


def test_a_mail_above_the_limit_is_answered_413(cast: Cast, client: Client) -> None:
    inbox = email_inbox(cast.a, max_bytes="2000")
    response = _post(client, inbox, mail(text="x" * 5000))
    assert (response.status_code, RawMail.objects.count()) == (413, 0)


def test_the_generic_hook_does_not_take_mail(cast: Cast, client: Client) -> None:
    inbox = email_inbox(cast.a)
    response = client.post(f"/hooks/email/{inbox.pk}", data=mail(), content_type="message/rfc822")
    assert response.status_code == 401


# Providers posting the raw mail as a multipart/form-data field, with the fields their
# documentation lists: Mailgun's route forward to a URL ending in "mime", SendGrid's Inbound
# Parse with "POST the raw, full MIME message" on. Both send the secret from the URL's
# credentials, as HTTP basic authentication.

BOUNDARY = "xYzZY-javob-test"


def _form(fields: dict[str, bytes]) -> bytes:
    parts = []
    for name, value in fields.items():
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(head.encode() + value + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _post_form(client: Client, inbox: Inbox, fields: dict[str, bytes], password: str = "") -> Any:
    password = password or str(Inbox.objects.get(pk=inbox.pk).secrets["webhook_secret"])
    credentials = base64.b64encode(f"javob:{password}".encode()).decode()
    return client.post(
        f"/hooks/email/{inbox.pk}/mime",
        data=_form(fields),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        headers={"Authorization": f"Basic {credentials}"},
    )


def _mailgun(raw: bytes) -> dict[str, bytes]:
    return {
        "recipient": b"support@shop.example",
        "sender": b"dilnoza@customer.example",
        "from": b"Dilnoza <dilnoza@customer.example>",
        "subject": b"Buyurtma",
        "body-mime": raw,
        "timestamp": b"1795000000",
        "token": b"a" * 50,
        "signature": b"0" * 64,
    }


def _sendgrid(raw: bytes) -> dict[str, bytes]:
    envelope = {"to": ["Support@shop.example"], "from": "dilnoza@customer.example"}
    return {
        "dkim": b"{@customer.example : pass}",
        "email": raw,
        "to": b"support@shop.example",
        "from": b"Dilnoza <dilnoza@customer.example>",
        "sender_ip": b"192.0.2.10",
        "spam_report": b"",
        "envelope": json.dumps(envelope).encode(),
        "subject": b"Buyurtma",
        "spam_score": b"0.1",
        "charsets": b'{"to":"UTF-8","from":"UTF-8","subject":"UTF-8"}',
        "SPF": b"pass",
    }


@pytest.mark.parametrize("shape", [_mailgun, _sendgrid])
def test_a_providers_form_post_is_stored_byte_for_byte(
    cast: Cast, client: Client, on_commit: Any, shape: Callable[[bytes], dict[str, bytes]]
) -> None:
    # given a mail with an 8-bit body, as a provider receives it
    inbox = email_inbox(cast.a)
    raw = (
        "From: Dilnoza <dilnoza@customer.example>\r\n"
        "To: support@shop.example\r\n"
        "Subject: Buyurtma\r\n"
        "Message-ID: <form1@customer.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        "Заказ ещё не пришёл.\r\n"
    ).encode()
    # when the provider posts it twice in its form
    with on_commit():
        first = _post_form(client, inbox, shape(raw))
    again = _post_form(client, inbox, shape(raw))
    # then it is stored once, exactly, with the envelope recipient, and becomes a message
    assert (first.status_code, first.content, again.content) == (200, b"stored", b"duplicate")
    stored = RawMail.objects.get()
    assert (bytes(stored.raw), stored.envelope_to) == (raw, ["support@shop.example"])
    assert Message.objects.get().text == "Заказ ещё не пришёл."


def test_a_form_post_with_a_wrong_password_is_rejected(cast: Cast, client: Client) -> None:
    inbox = email_inbox(cast.a)
    response = _post_form(client, inbox, _mailgun(mail()), password="not-the-secret-at-all")
    assert (response.status_code, RawMail.objects.count()) == (401, 0)


def test_a_form_post_without_the_mail_field_is_refused(cast: Cast, client: Client) -> None:
    # SendGrid's default (parsed) mode posts the parts, not the mail
    inbox = email_inbox(cast.a)
    fields = {k: v for k, v in _sendgrid(mail()).items() if k != "email"}
    response = _post_form(client, inbox, {**fields, "text": b"Salom"})
    assert (response.status_code, response.content) == (400, b"no mail in the request")
    assert RawMail.objects.count() == 0


def test_a_mail_above_the_limit_in_a_form_is_answered_413(cast: Cast, client: Client) -> None:
    inbox = email_inbox(cast.a, max_bytes="2000")
    response = _post_form(client, inbox, _sendgrid(mail(text="x" * 5000)))
    assert (response.status_code, RawMail.objects.count()) == (413, 0)


# Mailgun's signature (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/
# securing-webhooks): hex HMAC-SHA256 of timestamp + token under the webhook signing key.

SIGNING_KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _signed(
    raw: bytes, token: str, at: dt.datetime = NOW, key: str = SIGNING_KEY
) -> dict[str, bytes]:
    timestamp = str(int(at.timestamp()))
    digest = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
    return {
        **_mailgun(raw),
        "timestamp": timestamp.encode(),
        "token": token.encode(),
        "signature": digest.encode(),
    }


def _mailgun_inbox(cast: Cast) -> Inbox:
    return email_inbox(cast.a, mailgun_signing_key=SIGNING_KEY)


def test_a_signed_mailgun_post_is_stored_and_its_token_kept(cast: Cast, client: Client) -> None:
    inbox = _mailgun_inbox(cast)
    with time_machine.travel(NOW, tick=False):
        response = _post_form(client, inbox, _signed(mail(message_id="<mg1@c.example>"), "t" * 50))
    assert (response.status_code, response.content) == (200, b"stored")
    assert RawMail.objects.get().rfc_message_id == "mg1@c.example"
    assert list(WebhookToken.objects.values_list("inbox_id", "token", "seen_at")) == [
        (inbox.pk, "t" * 50, NOW)
    ]


@pytest.mark.parametrize(
    ("fields", "answer"),
    [
        (_signed(mail(), "t" * 50, key="key-wrong"), b"The Mailgun signature does not match."),
        (
            {**_signed(mail(), "t" * 50), "token": b"u" * 50},
            b"The Mailgun signature does not match.",
        ),
        ({**_mailgun(mail())}, b"The Mailgun signature does not match."),
        (
            {k: v for k, v in _signed(mail(), "t" * 50).items() if k != "signature"},
            b"No Mailgun signature in the request.",
        ),
        (_sendgrid(mail()), b"No Mailgun signature in the request."),
        (
            _signed(mail(), "t" * 50, at=NOW - dt.timedelta(minutes=16)),
            b"The Mailgun signature is stale.",
        ),
        (
            _signed(mail(), "t" * 50, at=NOW + dt.timedelta(minutes=16)),
            b"The Mailgun signature is stale.",
        ),
    ],
    ids=["wrong-key", "other-token", "fake", "unsigned", "sendgrid", "old", "future"],
)
def test_a_post_without_a_good_mailgun_signature_is_rejected(
    cast: Cast, client: Client, fields: dict[str, bytes], answer: bytes
) -> None:
    inbox = _mailgun_inbox(cast)
    with time_machine.travel(NOW, tick=False):
        response = _post_form(client, inbox, fields)
    assert (response.status_code, response.content) == (401, answer)
    assert (RawMail.objects.count(), WebhookToken.objects.count()) == (0, 0)


def test_a_raw_post_to_an_inbox_with_a_signing_key_is_rejected(cast: Cast, client: Client) -> None:
    inbox = _mailgun_inbox(cast)
    with time_machine.travel(NOW, tick=False):
        response = _post(client, inbox, mail())
    assert (response.status_code, response.content) == (
        401,
        b"No Mailgun signature in the request.",
    )
    assert RawMail.objects.count() == 0


def test_a_replayed_token_is_rejected_within_the_window(cast: Cast, client: Client) -> None:
    # given a signed post accepted at 9:00
    inbox = _mailgun_inbox(cast)
    with time_machine.travel(NOW, tick=False):
        first = _post_form(client, inbox, _signed(mail(message_id="<a@c.example>"), "t" * 50))
    # when its timestamp, token and signature come again with another mail 14 minutes later
    with time_machine.travel(NOW + dt.timedelta(minutes=14), tick=False):
        replay = _post_form(client, inbox, _signed(mail(message_id="<b@c.example>"), "t" * 50))
    # then the replay is refused and only the first mail is kept
    assert (first.status_code, replay.status_code, replay.content) == (
        200,
        401,
        b"replayed Mailgun token",
    )
    assert list(RawMail.objects.values_list("rfc_message_id", flat=True)) == ["a@c.example"]
    assert WebhookToken.objects.count() == 1


def test_a_token_is_forgotten_after_the_window(cast: Cast, client: Client) -> None:
    inbox = _mailgun_inbox(cast)
    other = email_inbox(cast.b, "help@other.example", mailgun_signing_key=SIGNING_KEY)
    with time_machine.travel(NOW, tick=False):
        _post_form(client, inbox, _signed(mail(message_id="<a@c.example>"), "t" * 50))
        _post_form(client, other, _signed(mail(message_id="<o@c.example>"), "t" * 50))
    later = NOW + dt.timedelta(minutes=16)
    with time_machine.travel(later, tick=False):
        again = _post_form(
            client, inbox, _signed(mail(message_id="<b@c.example>"), "t" * 50, later)
        )
    assert (again.status_code, again.content) == (200, b"stored")
    # the old row of this inbox is gone; the other inbox's tokens are its own business
    assert sorted(WebhookToken.objects.values_list("inbox_id", "seen_at")) == sorted(
        [(inbox.pk, later), (other.pk, NOW)]
    )


def test_a_signed_post_still_needs_the_url_secret(cast: Cast, client: Client) -> None:
    inbox = _mailgun_inbox(cast)
    with time_machine.travel(NOW, tick=False):
        response = _post_form(client, inbox, _signed(mail(), "t" * 50), password="x" * 20)
    assert (response.status_code, response.content) == (401, b"rejected")
    assert (RawMail.objects.count(), WebhookToken.objects.count()) == (0, 0)


def test_a_failed_store_does_not_use_the_token_up(cast: Cast, client: Client) -> None:
    # given an inbox that takes mails of at most 2000 bytes
    inbox = email_inbox(cast.a, mailgun_signing_key=SIGNING_KEY, max_bytes="2000")
    with time_machine.travel(NOW, tick=False):
        # when Mailgun posts a mail that is too large, then the same token with a small one
        large = _post_form(client, inbox, _signed(mail(text="x" * 1990), "t" * 50))
        small = _post_form(client, inbox, _signed(mail(message_id="<s@c.example>"), "t" * 50))
    # then the first is refused and the token still serves the second
    assert (large.status_code, small.status_code) == (413, 200)
    assert list(RawMail.objects.values_list("rfc_message_id", flat=True)) == ["s@c.example"]
