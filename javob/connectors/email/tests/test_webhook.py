"""`POST /hooks/email/<inbox>/mime`: raw mail forwarded by a provider, with the inbox secret."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from javob.connectors.email.models import RawMail
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
