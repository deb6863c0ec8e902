from typing import Any

from django.core.management.base import CommandError, CommandParser

from javob.accounts.models import Workspace
from javob.connectors.actions import do_add_inbox, webhook_url
from javob.conversations.models import ChannelKind
from javob.core.commands import JsonCommand


class Command(JsonCommand):
    help = "Manage inboxes. `inbox add KIND --workspace ID --name NAME [--set key=value ...]`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["add"])
        parser.add_argument("kind", choices=ChannelKind.values)
        parser.add_argument("--workspace", type=int, required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--language", action="append", default=[], dest="languages")
        parser.add_argument(
            "--set", action="append", default=[], dest="options", metavar="KEY=VALUE"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(pk=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace {options['workspace']}.")
        values = {}
        for item in options["options"]:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CommandError(f"--set takes KEY=VALUE, got {item!r}.")
            values[key.strip()] = value
        inbox = do_add_inbox(
            workspace, options["kind"], options["name"], values, options["languages"]
        )
        self.emit({"id": inbox.pk, "webhook_url": webhook_url(inbox)})
