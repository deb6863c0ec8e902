from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from javob.demo.data import AGENTS, OWNER
from javob.demo.loader import Loaded, load_demo


class Command(BaseCommand):
    help = (
        "Load the demo workspace (agents, teams, one inbox per channel and a few hundred "
        "conversations) unless it exists, and print how to sign in."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Where the server listens.")
        parser.add_argument("--port", type=int, default=8000, help="The server's port.")
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo workspace and load it afresh."
        )
        parser.add_argument(
            "--size", type=int, default=300, help="How many conversations to create."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        loaded = load_demo(size=max(1, options["size"]), reset=options["reset"])
        # Printed for the operator, in the install's language (JAVOB_LANGUAGE).
        with translation.override(settings.LANGUAGE_CODE):
            self.stdout.write(sign_in_text(loaded, options["host"], options["port"]))


def sign_in_text(loaded: Loaded, host: str, port: int) -> str:
    # A server listening on every interface is still reached locally at 127.0.0.1.
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    base = f"http://{shown}:{port}"
    if loaded.token is not None:
        headline = _("Loaded the demo workspace: %(count)d conversations in %(seconds).1f s.") % {
            "count": loaded.conversations,
            "seconds": loaded.seconds,
        }
        token = _("API token:  %(token)s  (shown once; `javob token create %(email)s` makes more)")
        token %= {"token": loaded.token, "email": OWNER.email}
    else:
        headline = _("The demo workspace is already loaded (%(count)d conversations).") % {
            "count": loaded.conversations
        }
        token = _("API token:  `javob token create %(email)s` prints a new one") % {
            "email": OWNER.email
        }
    agents = ", ".join(agent.email for agent in AGENTS)
    lines = [
        "",
        headline,
        "",
        _("Open:       %(url)s") % {"url": f"{base}/"},
        _("Admin:      %(url)s") % {"url": f"{base}/admin/"},
        _("Sign in as: %(email)s") % {"email": OWNER.email},
        _("Password:   %(password)s") % {"password": loaded.password},
        token,
        _("API docs:   %(url)s") % {"url": f"{base}/api/docs"},
        "",
        _("The agents %(agents)s sign in with the same password.") % {"agents": agents},
        "",
    ]
    return "\n".join(lines)
