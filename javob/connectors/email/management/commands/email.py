"""`javob email fetch INBOX | parse FILE | import INBOX FILE... | reprocess [--inbox ID] [ID...]
| quarantine [--inbox ID] | threading INBOX`."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from javob.connectors.email.actions import quarantined, reprocess, store_mail
from javob.connectors.email.imap import ImapError, fetch_inbox
from javob.connectors.email.models import MailSource, RawMail
from javob.connectors.email.queries import threading_report
from javob.conversations.models import Inbox
from javob.core.commands import JsonCommand


class Command(JsonCommand):
    help = "The email channel: fetch a mailbox, parse or import mail files, reprocess."

    def add_arguments(self, parser: CommandParser) -> None:
        verbs = parser.add_subparsers(dest="verb", required=True)
        fetch = verbs.add_parser("fetch", help="Poll one inbox's IMAP mailbox once.")
        fetch.add_argument("inbox", type=int)
        parse = verbs.add_parser("parse", help="Print a mail file as normalised JSON.")
        parse.add_argument("file")
        imports = verbs.add_parser("import", help="Store .eml files as received mail.")
        imports.add_argument("inbox", type=int)
        imports.add_argument("files", nargs="+")
        again = verbs.add_parser("reprocess", help="Parse quarantined mail again.")
        again.add_argument("--inbox", type=int)
        again.add_argument("ids", type=int, nargs="*")
        listing = verbs.add_parser("quarantine", help="List quarantined mail.")
        listing.add_argument("--inbox", type=int)
        report = verbs.add_parser("threading", help="Share of sent mail with full headers.")
        report.add_argument("inbox", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        verb = options["verb"]
        if verb == "parse":
            cli = import_module("javob.connectors.email.cli")
            code = int(cli.parse_command(options["file"], out=self.stdout, err=self.stderr))
            if code:
                raise SystemExit(code)
            return
        getattr(self, f"_{verb}")(options)

    def _fetch(self, options: dict[str, Any]) -> None:
        try:
            result = fetch_inbox(_inbox(options["inbox"]))
        except ImapError as exc:
            raise CommandError(f"IMAP: {exc}") from exc
        self.emit({"fetched": result.fetched, "stored": result.stored, "uid": result.last_uid})

    def _import(self, options: dict[str, Any]) -> None:
        inbox = _inbox(options["inbox"])
        created = 0
        for name in options["files"]:
            created += store_mail(inbox, Path(name).read_bytes(), MailSource.IMPORT).created
        self.emit({"files": len(options["files"]), "stored": created})

    def _reprocess(self, options: dict[str, Any]) -> None:
        ids = options["ids"] or quarantined(options["inbox"])
        self.emit({"requeued": reprocess(ids)})

    def _quarantine(self, options: dict[str, Any]) -> None:
        ids = quarantined(options["inbox"])
        rows = RawMail.objects.filter(pk__in=ids).order_by("received_at", "pk")
        self.emit(
            {
                "mails": [
                    {
                        "id": r.pk,
                        "inbox": r.inbox_id,
                        "message_id": r.rfc_message_id,
                        "error": r.error,
                    }
                    for r in rows
                ]
            }
        )

    def _threading(self, options: dict[str, Any]) -> None:
        self.emit(threading_report(_inbox(options["inbox"]).pk).as_json())


def _inbox(inbox_id: int) -> Inbox:
    inbox = Inbox.objects.filter(pk=inbox_id, kind="email").first()
    if inbox is None:
        raise CommandError(f"No email inbox {inbox_id}.")
    return inbox
