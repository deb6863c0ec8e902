from typing import Any

from django.core.management.base import CommandError, CommandParser

from javob.connectors.meta.health import meta_inbox_report
from javob.conversations.models import Inbox
from javob.core.commands import JsonCommand

KINDS = ("whatsapp", "messenger", "instagram")


class Command(JsonCommand):
    help = (
        "WhatsApp, Messenger and Instagram inboxes. `meta show INBOX_ID` prints the webhook URL "
        "and verify token to enter at Meta, the last event received and the last error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["show"])
        parser.add_argument("inbox", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        inbox = Inbox.objects.filter(pk=options["inbox"], kind__in=KINDS).first()
        if inbox is None:
            raise CommandError(f"No WhatsApp, Messenger or Instagram inbox {options['inbox']}.")
        self.emit(meta_inbox_report(inbox))
