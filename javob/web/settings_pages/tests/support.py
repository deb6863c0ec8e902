"""Reading rendered settings pages in tests, and a snapshot of everything they may change."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any, Protocol

from javob.accounts.models import ApiToken, Membership, Team, User
from javob.conversations.models import Event, Inbox, Label


class Page(Protocol):
    content: bytes


class _Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_body = False
        self.cell: list[str] | None = None
        self.hidden = 0
        self.dialogs = 0  # the shortcuts dialog every page carries is not the page's table

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "dialog":
            self.dialogs += 1
        elif tag == "tbody" and not self.dialogs:
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag in ("td", "th"):
            self.cell = []
        elif (
            self.cell is not None
            and tag in ("form", "span")
            and (tag == "form" or ("class", "visually-hidden") in attrs)
        ):
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "dialog":
            self.dialogs -= 1
        elif tag == "tbody":
            self.in_body = False
        elif tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif self.hidden and tag in ("form", "span"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.hidden:
            self.cell.append(data)


def table_rows(response: Page) -> list[list[str]]:
    """The text of each cell of each body row of the page's tables (forms and text for
    screen readers left out), whitespace collapsed."""
    parser = _Rows()
    parser.feed(response.content.decode())
    return parser.rows


def snapshot() -> dict[str, Any]:
    """Every row a settings page can change, to prove a refused request changed nothing."""
    return {
        "users": list(User.objects.order_by("pk").values_list("email", "password", "is_active")),
        "members": list(
            Membership.objects.order_by("pk").values_list("pk", "role", "languages", "is_active")
        ),
        "teams": list(Team.objects.order_by("pk").values_list("pk", "name")),
        "team_members": list(Team.members.through.objects.order_by("pk").values_list()),
        "inboxes": [
            (i.pk, i.name, i.team_id, i.languages, i.settings, i.secrets, i.is_active)
            for i in Inbox.objects.order_by("pk")
        ],
        "labels": list(Label.objects.order_by("pk").values_list("pk", "name", "color")),
        "tokens": list(ApiToken.objects.order_by("pk").values_list("pk", "revoked_at")),
        "events": Event.objects.count(),
    }
