"""/settings/inboxes/<id>/quarantine/: quarantined mail and webhook payloads, their raw bytes
as a download, and reprocessing through the same functions as the CLI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.template.defaultfilters import filesizeformat
from django.test import Client

from conftest import Cast
from javob.connectors.actions import store_payload
from javob.connectors.email import parse, tasks
from javob.connectors.email.actions import store_mail, store_oversized
from javob.connectors.email.models import MailSource, Outcome, RawMail
from javob.connectors.email.tests import broken
from javob.connectors.email.tests.support import email_inbox, mail, process_all
from javob.connectors.models import InboundPayload
from javob.connectors.tasks import process_payload
from javob.conversations.models import Inbox, Message
from javob.web.settings_pages.tests.support import snapshot, table_rows

T0 = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


def at(minutes: int) -> Any:
    return time_machine.travel(T0 + dt.timedelta(minutes=minutes), tick=False)


def quarantined_mails(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> tuple[Inbox, list[bytes]]:
    """An email inbox of A with two mails the (broken) parser quarantined."""
    inbox = email_inbox(cast.a)
    monkeypatch.setattr(tasks, "parse_mail", broken.parse_mail)
    raws = [
        mail(message_id="<q1@customer.example>"),
        mail(
            sender="Akmal <akmal@customer.example>",
            subject="Buyurtma №5",  # sent as an RFC 2047 encoded word
            message_id="<q2@customer.example>",
        ),
    ]
    for minute, raw in enumerate(raws):
        with at(minute):
            store_mail(inbox, raw, MailSource.IMAP)
    assert process_all() == ["quarantined", "quarantined"]
    return inbox, raws


def size(raw: bytes) -> str:
    return " ".join(str(filesizeformat(len(raw))).split())


def quarantined_payload(cast: Cast) -> InboundPayload:
    with at(5):
        payload_id = store_payload(cast.inbox_a, "p-1", b"not json", {})
    assert payload_id is not None
    process_payload.call(payload_id)
    return InboundPayload.objects.get(pk=payload_id)


def state() -> dict[str, Any]:
    return {
        **snapshot(),
        "mails": list(RawMail.objects.order_by("pk").values_list("pk", "outcome", "error")),
        "payloads": list(
            InboundPayload.objects.order_by("pk").values_list("pk", "error", "attempts")
        ),
        "messages": Message.objects.count(),
    }


def test_the_inbox_list_links_each_quarantine_with_its_count(
    cast: Cast, alice: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given two quarantined mails in an email inbox and a quarantined payload in the API inbox
    inbox, _raws = quarantined_mails(cast, monkeypatch)
    quarantined_payload(cast)

    response = alice.get("/settings/inboxes/")

    # then each row links its quarantine with the count
    actions = {row[0]: row[-1] for row in table_rows(response)}
    assert actions == {
        "API A": "Configure 1 quarantined payload",
        "Shop support": "Configure 2 quarantined mails",
    }
    page = response.content.decode()
    assert f'href="/settings/inboxes/{inbox.pk}/quarantine/"' in page
    assert f'href="/settings/inboxes/{cast.inbox_a.pk}/quarantine/"' in page


def test_an_inbox_without_quarantine_has_no_link(cast: Cast, alice: Client) -> None:
    response = alice.get("/settings/inboxes/")

    assert [row[-1] for row in table_rows(response)] == ["Configure"]
    assert "/quarantine/" not in response.content.decode()


def test_the_quarantine_lists_each_mail_with_sender_subject_and_error(
    cast: Cast, alice: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, raws = quarantined_mails(cast, monkeypatch)

    response = alice.get(f"/settings/inboxes/{inbox.pk}/quarantine/")

    assert response.status_code == 200
    assert table_rows(response) == [
        [
            "11/23/2026 8 a.m.",
            size(raws[0]),
            "Dilnoza <dilnoza@customer.example>",
            "Buyurtma",
            "ValueError: cannot parse",
            "Download",
        ],
        [
            "11/23/2026 8:01 a.m.",
            size(raws[1]),
            "Akmal <akmal@customer.example>",
            "Buyurtma №5",
            "ValueError: cannot parse",
            "Download",
        ],
    ]


def test_the_quarantine_of_webhook_payloads_shows_size_and_error(cast: Cast, alice: Client) -> None:
    quarantined_payload(cast)

    response = alice.get(f"/settings/inboxes/{cast.inbox_a.pk}/quarantine/")

    assert table_rows(response) == [
        [
            "11/23/2026 8:05 a.m.",
            "8 bytes",
            "JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
            "Download",
        ]
    ]


def test_an_empty_quarantine_says_so(cast: Cast, alice: Client) -> None:
    response = alice.get(f"/settings/inboxes/{cast.inbox_a.pk}/quarantine/")

    assert table_rows(response) == [["Nothing is in quarantine."]]


def test_a_mail_downloads_as_its_exact_bytes_never_inline(
    cast: Cast, alice: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, raws = quarantined_mails(cast, monkeypatch)
    first = RawMail.objects.get(rfc_message_id="q1@customer.example")

    response = alice.get(f"/settings/inboxes/{inbox.pk}/quarantine/{first.pk}/raw/")

    assert response.status_code == 200
    assert response.content == raws[0]
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"] == f'attachment; filename="mail-{first.pk}.eml"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_payload_downloads_as_its_exact_bytes(cast: Cast, alice: Client) -> None:
    payload = quarantined_payload(cast)

    response = alice.get(f"/settings/inboxes/{cast.inbox_a.pk}/quarantine/{payload.pk}/raw/")

    assert response.content == b"not json"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="payload-{payload.pk}.bin"'


def test_reprocessing_turns_a_quarantined_mail_into_a_message_once_the_parser_accepts_it(
    cast: Cast, alice: Client, monkeypatch: pytest.MonkeyPatch, on_commit: Callable[..., Any]
) -> None:
    # given two mails quarantined by a broken parser, which is then fixed
    inbox, _raws = quarantined_mails(cast, monkeypatch)
    first = RawMail.objects.get(rfc_message_id="q1@customer.example")
    monkeypatch.setattr(tasks, "parse_mail", parse.parse_mail)

    # when an admin reprocesses the first one
    with on_commit():
        response = alice.post(f"/settings/inboxes/{inbox.pk}/quarantine/{first.pk}/reprocess/")

    # then it became a message and left the quarantine; the other one stays
    assert response.status_code == 302
    assert response["Location"] == f"/settings/inboxes/{inbox.pk}/quarantine/"
    first.refresh_from_db()
    message = Message.objects.get()
    assert (first.outcome, first.error, first.message_id) == (Outcome.MESSAGE, "", message.pk)
    assert message.text == "Salom! Buyurtmam qayerda?"
    rows = table_rows(alice.get(response["Location"]))
    assert [row[2:4] for row in rows] == [["Akmal <akmal@customer.example>", "Buyurtma №5"]]


def test_reprocessing_a_payload_runs_it_through_the_connector_again(
    cast: Cast, alice: Client, on_commit: Callable[..., Any]
) -> None:
    payload = quarantined_payload(cast)

    with on_commit():
        response = alice.post(
            f"/settings/inboxes/{cast.inbox_a.pk}/quarantine/{payload.pk}/reprocess/"
        )

    # still not JSON: parsed a second time and quarantined again
    assert response.status_code == 302
    payload.refresh_from_db()
    assert (payload.attempts, payload.error) == (
        2,
        "JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
    )


def test_reprocessing_a_mail_no_longer_in_quarantine_is_not_found(
    cast: Cast, alice: Client, monkeypatch: pytest.MonkeyPatch, on_commit: Callable[..., Any]
) -> None:
    inbox, _raws = quarantined_mails(cast, monkeypatch)
    first = RawMail.objects.get(rfc_message_id="q1@customer.example")
    monkeypatch.setattr(tasks, "parse_mail", parse.parse_mail)
    url = f"/settings/inboxes/{inbox.pk}/quarantine/{first.pk}/"
    with on_commit():
        assert alice.post(url + "reprocess/").status_code == 302

    assert alice.post(url + "reprocess/").status_code == 404
    assert alice.get(url + "raw/").status_code == 404


def test_an_item_is_only_reached_through_its_own_inbox(
    cast: Cast, alice: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, _raws = quarantined_mails(cast, monkeypatch)
    for n in range(3):  # payload ids past the mail ids, so no id is in both tables
        store_payload(cast.inbox_a, f"ok-{n}", b"{}", {})
    payload = quarantined_payload(cast)
    mail_id = RawMail.objects.order_by("pk").values_list("pk", flat=True)[0]
    assert not RawMail.objects.filter(pk=payload.pk).exists()
    before = state()

    for url in (
        f"/settings/inboxes/{cast.inbox_a.pk}/quarantine/{mail_id}/",
        f"/settings/inboxes/{inbox.pk}/quarantine/{payload.pk}/",
    ):
        assert alice.get(url + "raw/").status_code == 404
        assert alice.post(url + "reprocess/").status_code == 404
    assert state() == before


def urls(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    inbox, _raws = quarantined_mails(cast, monkeypatch)
    payload = quarantined_payload(cast)
    mail_id = RawMail.objects.order_by("pk").values_list("pk", flat=True)[0]
    pages = []
    for inbox_id, item_id in ((inbox.pk, mail_id), (cast.inbox_a.pk, payload.pk)):
        base = f"/settings/inboxes/{inbox_id}/quarantine/"
        pages += [
            ("get", base),
            ("get", f"{base}{item_id}/raw/"),
            ("post", f"{base}{item_id}/reprocess/"),
        ]
    return pages


def test_a_plain_agent_is_refused_every_quarantine_url(
    cast: Cast,
    bob: Client,
    monkeypatch: pytest.MonkeyPatch,
    on_commit: Callable[..., Any],
) -> None:
    pages = urls(cast, monkeypatch)
    monkeypatch.setattr(tasks, "parse_mail", parse.parse_mail)
    before = state()

    with on_commit():
        statuses = [getattr(bob, method)(url).status_code for method, url in pages]

    assert statuses == [403] * 6
    assert state() == before


def test_another_workspace_finds_no_quarantine_url(
    cast: Cast,
    charlie: Client,
    monkeypatch: pytest.MonkeyPatch,
    on_commit: Callable[..., Any],
) -> None:
    pages = urls(cast, monkeypatch)
    monkeypatch.setattr(tasks, "parse_mail", parse.parse_mail)
    # and the same item ids through workspace B's own inbox
    own = f"/settings/inboxes/{cast.inbox_b.pk}/quarantine/"
    pages += [(method, own + url.split("/quarantine/")[1]) for method, url in pages[1:3]]
    before = state()

    with on_commit():
        statuses = [getattr(charlie, method)(url).status_code for method, url in pages]

    assert statuses == [404] * 8
    assert state() == before


def test_the_quarantine_list_reads_a_fixed_number_of_queries(
    cast: Cast,
    alice: Client,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    inbox = email_inbox(cast.a)
    monkeypatch.setattr(tasks, "parse_mail", broken.parse_mail)
    url = f"/settings/inboxes/{inbox.pk}/quarantine/"
    counts = []
    for start, n in ((0, 1), (1, 5)):
        for i in range(start, start + n):
            store_mail(inbox, mail(message_id=f"<n{i}@customer.example>"), MailSource.IMAP)
        process_all()
        with django_assert_num_queries(5):  # session, user, membership, inbox, mails
            response = alice.get(url)
        counts.append(len(table_rows(response)))
    assert counts == [1, 6]


def test_raw_eight_bit_and_broken_headers_still_list(
    cast: Cast, alice: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given mails whose headers are raw UTF-8 bytes, or name a charset nobody knows
    inbox = email_inbox(cast.a)
    monkeypatch.setattr(tasks, "parse_mail", broken.parse_mail)
    raws = [
        "From: Ozoda <o@customer.example>\r\nSubject: Salom, do‘kon\r\n\r\nHi\r\n".encode(),
        b"From: x@customer.example\r\nSubject: =?x-unknown?q?abc?=\r\n\r\nHi\r\n",
    ]
    for minute, raw in enumerate(raws):
        with at(minute):
            store_mail(inbox, raw, MailSource.SMTP)
    process_all()

    rows = table_rows(alice.get(f"/settings/inboxes/{inbox.pk}/quarantine/"))

    assert [row[2:4] for row in rows] == [
        ["Ozoda <o@customer.example>", "Salom, do‘kon"],
        ["x@customer.example", "=?x-unknown?q?abc?="],
    ]


def test_a_mail_kept_as_headers_only_is_downloadable_but_not_reprocessed(
    cast: Cast, alice: Client, on_commit: Callable[..., Any]
) -> None:
    # given a mail over the inbox's limit, of which IMAP kept only the headers
    inbox = email_inbox(cast.a)
    head = b"From: big@customer.example\r\nSubject: Photos\r\n\r\n"
    with at(0):
        stored = store_oversized(inbox, head, 30_000_000, MailSource.IMAP)
    url = f"/settings/inboxes/{inbox.pk}/quarantine/"
    before = state()

    rows = table_rows(alice.get(url))
    with on_commit():
        response = alice.post(f"{url}{stored.raw_mail_id}/reprocess/", follow=True)

    assert rows == [
        [
            "11/23/2026 8 a.m.",
            "28.6 MB",
            "big@customer.example",
            "Photos",
            "The mail is 30000000 bytes; this inbox accepts at most 26214400.",
            "Download Headers only",
        ]
    ]
    assert [str(m) for m in response.context["messages"]] == [
        "Only the headers of this mail were kept: it is too large."
    ]
    assert state() == before
    assert alice.get(f"{url}{stored.raw_mail_id}/raw/").content == head
