from typing import Any

from django.core.management.base import CommandError, CommandParser

from javob.accounts.actions import do_create_token
from javob.accounts.models import Membership
from javob.core.commands import JsonCommand


class Command(JsonCommand):
    help = "Manage API tokens. `token create EMAIL` prints a new token for that agent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["create"])
        parser.add_argument("email")
        parser.add_argument("--workspace", type=int, help="Needed when the agent has several.")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        memberships = Membership.objects.filter(
            user__email=options["email"].strip().lower(), is_active=True
        )
        if options["workspace"]:
            memberships = memberships.filter(workspace_id=options["workspace"])
        found = list(memberships.select_related("workspace")[:2])
        if not found:
            raise CommandError(f"No agent {options['email']} in that workspace.")
        if len(found) > 1:
            raise CommandError("This agent is in several workspaces; add --workspace ID.")
        _token, secret = do_create_token(found[0], options["name"])
        self.stdout.write(secret)
