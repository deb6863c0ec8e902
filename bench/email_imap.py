#!/usr/bin/env python
"""IMAP ingest benchmark: 10,000 mails end to end from a real Dovecot.

A Dovecot of our own (as the tests start it) holds N mails: customer threads where a third of
the mails answer an earlier one (In-Reply-To and References), written in Uzbek, Russian and
English, some with a small attachment. Timed, on a fresh database:
1. fetch: `fetch_inbox()` polls the mailbox (BODY.PEEK in batches of 100), stores every raw
   mail (dedupe on Message-ID and SHA-256, one parse task row per batch, same transaction) and
   flags the batch \\Seen after commit;
2. process: the parse task for every stored mail, one after another as one worker runs them:
   parse, threading, contact, message, events.
Then it checks that every mail became one message and every thread one conversation.

SQLite by default; PostgreSQL when DATABASE_URL=postgres://.../javob_bench. Needs
/usr/sbin/dovecot (apt-get install dovecot-imapd) and root or the dovecot user.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import database_version, fresh_database, print_table, setup_django

TEXTS = (
    "Assalomu alaykum! Buyurtmam qayerda? 3 kun oldin to'lagan edim",
    "Здравствуйте, оплатил Uzcard, а заказ висит как «не оплачен»",
    "Hi, the SMS code never arrives and I can't log into the app.",
    "Humo karta o‘tmayapti, “to‘lov rad etildi” deyapti",
)


def make_mails(n: int, seed: int) -> tuple[list[bytes], int]:
    """n mails and the number of threads they form."""
    import datetime as dt

    rng = random.Random(seed)
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    threads: list[list[str]] = []
    mails = []
    for index in range(n):
        message = EmailMessage()
        message_id = f"bench{index}@customer.example"
        if threads and rng.random() < 0.33:
            chain = rng.choice(threads)
            message["In-Reply-To"] = f"<{chain[-1]}>"
            message["References"] = " ".join(f"<{value}>" for value in chain)
            chain.append(message_id)
            customer = chain[0].removeprefix("bench").split("@")[0]
            subject = f"Re: Buyurtma {customer}"
        else:
            threads.append([message_id])
            customer = str(index)
            subject = f"Buyurtma {customer}"
        message["From"] = f"Mijoz {customer} <c{customer}@customer.example>"
        message["To"] = "support@shop.example"
        message["Subject"] = subject
        message["Date"] = format_datetime(start + dt.timedelta(seconds=index))
        message["Message-ID"] = f"<{message_id}>"
        message.set_content(rng.choice(TEXTS) + "\n\n" + "Rahmat.\n" * rng.randint(1, 20))
        if rng.random() < 0.1:
            message.add_attachment(
                rng.randbytes(2048), maintype="image", subtype="png", filename="chek.png"
            )
        mails.append(message.as_bytes(policy=policy.SMTP))
    return mails, len(threads)


def run(n: int, seed: int) -> None:
    from django.db import connection

    from javob.accounts.actions import do_create_workspace
    from javob.connectors.actions import do_add_inbox
    from javob.connectors.email.imap import fetch_inbox
    from javob.connectors.email.models import RawMail
    from javob.connectors.email.tasks import process_mail
    from javob.connectors.email.tests.servers import PASSWORD, Dovecot
    from javob.conversations.models import Conversation, Message

    root = Path(tempfile.mkdtemp(prefix="javob-bench-dovecot-"))
    root.chmod(0o755)
    dovecot = Dovecot.start(root)
    try:
        user = dovecot.add_user()
        mails, thread_count = make_mails(n, seed)
        dovecot.drop(user, mails)
        # Let Dovecot index the Maildir before the clock starts (as a live mailbox would be).
        assert dovecot.count(user) == len(mails)
        workspace, _owner = do_create_workspace("Bench", "owner@bench.example")
        inbox = do_add_inbox(
            workspace,
            "email",
            "Bench mail",
            {
                "address": "support@shop.example",
                "imap_host": "127.0.0.1",
                "imap_port": str(dovecot.imap_port),
                "imap_security": "plain",
                "imap_user": user,
                "imap_password": PASSWORD,
            },
            [],
        )
        began = time.perf_counter()
        fetched = fetch_inbox(inbox)
        fetch_seconds = time.perf_counter() - began
        ids = list(RawMail.objects.order_by("pk").values_list("pk", flat=True))
        began = time.perf_counter()
        outcomes = [process_mail.call(pk) for pk in ids]
        process_seconds = time.perf_counter() - began
    finally:
        dovecot.stop()
        shutil.rmtree(root, ignore_errors=True)
    messages = Message.objects.filter(inbox=inbox).count()
    conversations = Conversation.objects.filter(inbox=inbox, merged_into__isnull=True).count()
    print(
        f"\nIMAP ingest, {database_version()} ({connection.vendor}), "
        f"{len(mails)} mails, {sum(len(m) for m in mails) / len(mails) / 1024:.1f} kB average"
    )
    total = fetch_seconds + process_seconds
    print_table(
        ["stage", "mails", "seconds", "mails/s"],
        [
            ["fetch + store raw", fetched.stored, f"{fetch_seconds:.1f}", _rate(n, fetch_seconds)],
            ["parse + receive", len(outcomes), f"{process_seconds:.1f}", _rate(n, process_seconds)],
            ["end to end", messages, f"{total:.1f}", _rate(n, total)],
        ],
    )
    print(
        f"messages {messages} (expected {n}), conversations {conversations} "
        f"(expected {thread_count}), outcomes {sorted(set(outcomes))}"
    )


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:.0f}" if seconds else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.environ["JAVOB_OUTBOUND_ALLOW"] = "127.0.0.1"
    database = fresh_database("email")
    try:
        setup_django(database)
        run(args.n, args.seed)
    finally:
        database.cleanup()


if __name__ == "__main__":
    main()
