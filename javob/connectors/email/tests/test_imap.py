"""IMAP polling against a real Dovecot: plain, STARTTLS and TLS; seen or moved only after
commit; a crash in between re-fetches without duplicates; UIDVALIDITY; size limit."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from conftest import Cast, use_task_backends
from javob.accounts.models import Workspace
from javob.connectors.email.actions import store_mail
from javob.connectors.email.imap import ImapError, fetch_inbox
from javob.connectors.email.models import ImapState, MailSource, Outcome, RawMail
from javob.connectors.email.tasks import process_mails
from javob.connectors.email.tests.servers import PASSWORD, Dovecot
from javob.connectors.email.tests.support import email_inbox, mail, process_all
from javob.conversations.models import Inbox, Message
from javob.core.scheduler import run_once

pytestmark = pytest.mark.django_db


def imap_inbox(
    workspace: Workspace, dovecot: Dovecot, user: str, security: str = "plain", **extra: str
) -> Inbox:
    port = dovecot.imaps_port if security == "tls" else dovecot.imap_port
    return email_inbox(
        workspace,
        imap_host="127.0.0.1",
        imap_port=str(port),
        imap_security=security,
        imap_user=user,
        imap_password=PASSWORD,
        tls_ca_file=str(dovecot.cert),
        **extra,
    )


def _three() -> list[bytes]:
    return [mail(message_id=f"<imap{n}@customer.example>", text=f"mail {n}") for n in range(3)]


@pytest.mark.parametrize("security", ["plain", "starttls", "tls"])
def test_fetch_stores_new_mail_and_marks_it_seen(
    cast: Cast, dovecot: Dovecot, local_servers: None, security: str
) -> None:
    # given a mailbox with three mails
    user = dovecot.add_user()
    dovecot.append(user, *_three())
    inbox = imap_inbox(cast.a, dovecot, user, security)
    # when it is polled
    result = fetch_inbox(inbox)
    # then the three are stored raw, flagged seen, and the UID recorded
    assert (result.fetched, result.stored, result.last_uid) == (3, 3, 3)
    assert sorted(RawMail.objects.values_list("rfc_message_id", flat=True)) == [
        "imap0@customer.example",
        "imap1@customer.example",
        "imap2@customer.example",
    ]
    assert all("\\Seen" in flags for flags in dovecot.flags(user))
    assert ImapState.objects.get(inbox=inbox).last_uid == 3
    # and processing makes three messages; a second poll finds nothing new
    assert process_all() == ["message", "message", "message"]
    assert fetch_inbox(inbox).fetched == 0


def test_mail_already_read_in_webmail_is_still_taken(
    cast: Cast, dovecot: Dovecot, local_servers: None
) -> None:
    user = dovecot.add_user()
    dovecot.append(user, *_three())
    client = dovecot.client(user)
    client.select("INBOX")
    client.store("1:*", "+FLAGS", "(\\Seen)")
    client.logout()
    assert fetch_inbox(imap_inbox(cast.a, dovecot, user)).stored == 3


def test_a_crash_before_flagging_refetches_without_duplicates(
    cast: Cast, dovecot: Dovecot, local_servers: None
) -> None:
    # given mail that was stored, but whose flagging and UID were never recorded (a crash)
    user = dovecot.add_user()
    dovecot.append(user, *_three())
    inbox = imap_inbox(cast.a, dovecot, user)
    fetch_inbox(inbox)
    process_all()
    ImapState.objects.filter(inbox=inbox).update(last_uid=0)
    client = dovecot.client(user)
    client.select("INBOX")
    client.store("1:*", "-FLAGS", "(\\Seen)")
    client.logout()
    # when the mailbox is polled again
    result = fetch_inbox(inbox)
    # then the mails are fetched again, stored once, and flagged this time
    assert (result.fetched, result.stored) == (3, 0)
    assert (RawMail.objects.count(), Message.objects.count()) == (3, 3)
    assert all("\\Seen" in flags for flags in dovecot.flags(user))


def test_a_new_uidvalidity_starts_over_safely(
    cast: Cast, dovecot: Dovecot, local_servers: None
) -> None:
    user = dovecot.add_user()
    dovecot.append(user, *_three())
    inbox = imap_inbox(cast.a, dovecot, user)
    fetch_inbox(inbox)
    ImapState.objects.filter(inbox=inbox).update(uidvalidity=1, last_uid=99)
    dovecot.append(user, mail(message_id="<late@customer.example>"))
    result = fetch_inbox(inbox)
    assert (result.fetched, result.stored, result.last_uid) == (4, 1, 4)
    assert RawMail.objects.count() == 4


def test_fetched_mail_can_be_moved_to_a_folder(
    cast: Cast, dovecot: Dovecot, local_servers: None
) -> None:
    user = dovecot.add_user()
    dovecot.append(user, *_three())
    client = dovecot.client(user)
    client.create("Javob")
    client.logout()
    inbox = imap_inbox(cast.a, dovecot, user, imap_move_to="Javob")
    assert fetch_inbox(inbox).stored == 3
    assert (dovecot.count(user), dovecot.count(user, "Javob")) == (0, 3)


def test_mail_above_the_size_limit_keeps_its_headers_in_quarantine(
    cast: Cast, dovecot: Dovecot, local_servers: None
) -> None:
    # given an inbox taking at most 4 kB, and a 20 kB mail besides a small one
    user = dovecot.add_user()
    big = mail(message_id="<big@customer.example>", text="x" * 20_000)
    dovecot.append(user, big, mail(message_id="<small@customer.example>"))
    inbox = imap_inbox(cast.a, dovecot, user, max_bytes="4096")
    # when the mailbox is polled
    assert fetch_inbox(inbox).stored == 2
    # then the big one is kept as headers only, with the reason; the small one is parsed
    kept = RawMail.objects.get(rfc_message_id="big@customer.example")
    assert (kept.outcome, kept.size > 20_000, len(bytes(kept.raw)) < 1000) == (
        Outcome.QUARANTINED,
        True,
        True,
    )
    assert kept.error == f"The mail is {kept.size} bytes; this inbox accepts at most 4096."
    assert process_all() == ["message"]
    assert all("\\Seen" in flags for flags in dovecot.flags(user))


def test_a_wrong_password_is_reported_on_the_inbox(
    cast: Cast, dovecot: Dovecot, local_servers: None
) -> None:
    user = dovecot.add_user()
    inbox = email_inbox(
        cast.a,
        imap_host="127.0.0.1",
        imap_port=str(dovecot.imap_port),
        imap_security="plain",
        imap_user=user,
        imap_password="wrong",
    )
    with pytest.raises(ImapError):
        fetch_inbox(inbox)
    assert ImapState.objects.get(inbox=inbox).last_error.startswith("error: ")
    assert ImapState.objects.get(inbox=inbox).lease_until is None


def test_the_fetch_command_polls_one_inbox(
    cast: Cast, dovecot: Dovecot, local_servers: None
) -> None:
    user = dovecot.add_user()
    dovecot.append(user, *_three())
    inbox = imap_inbox(cast.a, dovecot, user)
    out = StringIO()
    call_command("email", "fetch", str(inbox.pk), stdout=out)
    assert json.loads(out.getvalue()) == {"fetched": 3, "stored": 3, "uid": 3}


def test_the_scheduler_polls_due_mailboxes(
    cast: Cast, dovecot: Dovecot, local_servers: None
) -> None:
    # given a mailbox with mail, never polled
    user = dovecot.add_user()
    dovecot.append(user, *_three())
    imap_inbox(cast.a, dovecot, user)
    # when the scheduler runs twice in a row
    first = run_once()["poll_mailboxes"]
    second = run_once()["poll_mailboxes"]
    # then the mailbox was polled once (the next poll is not due yet)
    assert (first, second, RawMail.objects.count()) == (1, 0, 3)


def test_the_imap_certificate_is_verified(
    cast: Cast, dovecot: Dovecot, local_servers: None, tmp_path: Path
) -> None:
    user = dovecot.add_user()
    inbox = imap_inbox(cast.a, dovecot, user, "tls")
    inbox.settings = {**inbox.settings, "tls_ca_file": ""}
    with pytest.raises(ImapError, match="CERTIFICATE_VERIFY_FAILED"):
        fetch_inbox(inbox)


def test_an_internal_imap_host_is_refused_unless_allowed(cast: Cast, dovecot: Dovecot) -> None:
    # given no allowance for internal addresses (the default)
    inbox = imap_inbox(cast.a, dovecot, dovecot.add_user())
    # when the mailbox is polled, the connection is refused before it is made
    with pytest.raises(ImapError, match="an internal address"):
        fetch_inbox(inbox)
    assert ImapState.objects.get(inbox=inbox).last_error == (
        "BlockedAddress: 127.0.0.1 resolves to 127.0.0.1, an internal address."
    )


def test_a_fetch_queues_one_parse_task_per_batch(
    cast: Cast, dovecot: Dovecot, local_servers: None, settings: Any
) -> None:
    # given the database task queue (it writes its rows in the fetch's transaction)
    use_task_backends(settings, {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
    # and a mailbox of 250 mails, two of them the same mail delivered twice
    user = dovecot.add_user()
    mails = [mail(message_id=f"<b{n}@customer.example>", text=f"mail {n}") for n in range(249)]
    dovecot.drop(user, [*mails, mails[0]])
    inbox = imap_inbox(cast.a, dovecot, user)
    # when it is polled (batches of 100, 100 and 50)
    result = fetch_inbox(inbox)
    # then 249 mails are stored, with one task row per batch naming its new mails in order
    assert (result.fetched, result.stored) == (250, 249)
    stored = list(RawMail.objects.order_by("pk").values_list("pk", flat=True))
    rows = DBTaskResult.objects.order_by("enqueued_at", "id")
    assert [(row.task_path, row.args_kwargs["args"]) for row in rows] == [
        ("javob.connectors.email.tasks.process_mails", [stored[:100]]),
        ("javob.connectors.email.tasks.process_mails", [stored[100:200]]),
        ("javob.connectors.email.tasks.process_mails", [stored[200:]]),
    ]
    # and running them makes every mail a message
    outcomes = [process_mails.call(*row.args_kwargs["args"]) for row in rows]
    assert [len(batch) for batch in outcomes] == [100, 100, 49]
    assert {outcome for batch in outcomes for outcome in batch} == {"message"}
    assert Message.objects.filter(inbox=inbox).count() == 249


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's planner; PostgreSQL's follows statistics"
)
def test_the_duplicate_check_probes_unique_indexes(cast: Cast) -> None:
    # given a stored mail
    inbox = email_inbox(cast.a)
    raw = mail(message_id="<dup@customer.example>")
    store_mail(inbox, raw, MailSource.IMAP)
    # when the same mail is stored again, with another Message-ID
    with CaptureQueriesContext(connection) as queries:
        store_mail(inbox, raw.replace(b"dup@", b"other@"), MailSource.IMAP)
    # then both lookups probe a unique index and read no row (no scan of the inbox's mail)
    with connection.cursor() as cursor:
        plans = []
        for query in queries.captured_queries[:2]:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
            plans.append(cursor.fetchall()[0][3])
    assert plans == [
        "SEARCH email_channel_rawmail USING COVERING INDEX uniq_rawmail_message_id "
        "(inbox_id=? AND rfc_message_id=?)",
        "SEARCH email_channel_rawmail USING COVERING INDEX "
        "sqlite_autoindex_email_channel_rawmail_1 (inbox_id=? AND sha256=?)",
    ]
