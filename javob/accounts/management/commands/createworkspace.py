from typing import Any

from django.core.management.base import CommandParser

from javob.accounts.actions import do_create_workspace
from javob.core.commands import JsonCommand


class Command(JsonCommand):
    help = 'Create a workspace and its owner; prints {"workspace": ID, "owner": EMAIL}.'

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--owner", required=True, help="The owner's email address.")
        parser.add_argument("--password", help="Set the owner's password.")
        parser.add_argument("--time-zone", default="UTC")
        parser.add_argument("--locale", default="en")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace, owner = do_create_workspace(
            options["name"],
            options["owner"],
            password=options["password"],
            time_zone=options["time_zone"],
            default_locale=options["locale"],
        )
        self.emit({"workspace": workspace.pk, "owner": owner.user.email})
