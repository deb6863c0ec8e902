from typing import Any

from django.core.management.base import CommandError, CommandParser

from javob.accounts.models import Workspace
from javob.connectors.actions import (
    do_activate_inbox,
    do_add_inbox,
    do_deactivate_inbox,
    do_remove_inbox,
    webhook_url,
)
from javob.connectors.health import inbox_health
from javob.conversations.models import ChannelKind, Inbox
from javob.core.commands import JsonCommand

VERBS = ["add", "show", "activate", "deactivate", "remove"]


class Command(JsonCommand):
    help = (
        "Manage inboxes. `inbox add KIND --workspace ID --name NAME [--set key=value ...]`; "
        "`inbox show|activate|deactivate|remove INBOX_ID`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=VERBS)
        parser.add_argument("target", metavar="KIND|INBOX_ID", help="a channel kind for add")
        parser.add_argument("--workspace", type=int)
        parser.add_argument("--name")
        parser.add_argument("--language", action="append", default=[], dest="languages")
        parser.add_argument(
            "--set", action="append", default=[], dest="options", metavar="KEY=VALUE"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verb"] == "add":
            self.add(options)
            return
        inbox = Inbox.objects.filter(pk=_inbox_id(options["target"])).first()
        if inbox is None:
            raise CommandError(f"No inbox {options['target']}.")
        verb = options["verb"]
        if verb == "activate":
            do_activate_inbox(inbox)
        elif verb == "deactivate":
            self.warn(do_deactivate_inbox(inbox))
        elif verb == "remove":
            self.warn(do_remove_inbox(inbox))
            self.emit({"id": int(options["target"]), "removed": True})
            return
        self.emit(_describe(inbox))

    def add(self, options: dict[str, Any]) -> None:
        if options["target"] not in ChannelKind.values:
            raise CommandError(
                f"Unknown channel {options['target']!r}; use one of {ChannelKind.values}."
            )
        if options["workspace"] is None or not options["name"]:
            raise CommandError("inbox add needs --workspace and --name.")
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
            workspace, options["target"], options["name"], values, options["languages"]
        )
        self.emit({"id": inbox.pk, "webhook_url": webhook_url(inbox)})

    def warn(self, message: str) -> None:
        if message:
            self.stderr.write(message)


def _inbox_id(value: str) -> int:
    if not value.isdigit():
        raise CommandError(f"Give the inbox id, not {value!r}.")
    return int(value)


def _describe(inbox: Inbox) -> dict[str, Any]:
    inbox.refresh_from_db()
    health = inbox_health(inbox)
    described = {
        "id": inbox.pk,
        "kind": inbox.kind,
        "name": inbox.name,
        "is_active": inbox.is_active,
        "webhook_url": health.webhook_url,
        "last_event_at": health.last_event_at.isoformat() if health.last_event_at else None,
        "healthy": health.healthy,
        "last_error": health.last_error,
        "last_error_at": health.last_error_at.isoformat() if health.last_error_at else None,
    }
    if inbox.kind == ChannelKind.EMAIL:
        from javob.connectors.email.queries import threading_report

        # Sent mail with complete threading headers: a low share means customers' mail
        # clients will not thread our replies.
        described["threading"] = threading_report(inbox.pk).as_json()
    return described
