from typing import Any

from django.core.management.base import CommandError, CommandParser

from javob.connectors.whatsapp.actions import do_sync_templates
from javob.connectors.whatsapp.models import MessageTemplate
from javob.conversations.models import Inbox
from javob.core.commands import JsonCommand


class Command(JsonCommand):
    help = "WhatsApp inboxes. `whatsapp templates INBOX_ID` syncs the approved templates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["templates"])
        parser.add_argument("inbox", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        inbox = Inbox.objects.filter(pk=options["inbox"], kind="whatsapp").first()
        if inbox is None:
            raise CommandError(f"No WhatsApp inbox {options['inbox']}.")
        count = do_sync_templates(inbox)
        names = MessageTemplate.objects.filter(inbox=inbox).order_by("name", "language")
        self.emit(
            {
                "inbox": inbox.pk,
                "synced": count,
                "templates": [
                    {"id": t.pk, "name": t.name, "language": t.language, "status": t.status}
                    for t in names
                ],
            }
        )
