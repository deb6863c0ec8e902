"""A small, safe renderer for {{variables}} in canned responses, notes and rule emails.

Bodies are written by agents, so they are never handed to Django's template engine: the
only syntax is `{{ name }}` or `{{ name | fallback }}`, replaced by plain text from a fixed
set of names. An unknown name stays visible as written, and `unknown_variables()` reports
it so the editor can say so before saving.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from javob.accounts.models import Membership
from javob.conversations.models import Conversation

VARIABLE = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)*)\s*(?:\|([^{}]*))?\}\}")

KNOWN = (
    "contact.name",
    "contact.first_name",
    "agent.name",
    "agent.first_name",
    "conversation.number",
    "inbox.name",
)


def first_name(name: str) -> str:
    parts = name.split()
    return parts[0] if parts else ""


def values_for(conversation: Conversation | None, agent: Membership | None) -> dict[str, str]:
    """The value of every known variable for this conversation and agent ("" when unknown)."""
    values = dict.fromkeys(KNOWN, "")
    if conversation is not None:
        contact_name = conversation.contact.name
        values["contact.name"] = contact_name
        values["contact.first_name"] = first_name(contact_name)
        values["conversation.number"] = str(conversation.number)
        values["inbox.name"] = conversation.inbox.name
    if agent is not None:
        # An agent with no display name is still a person to greet; the email is not a name.
        name = agent.display_name or agent.user.get_full_name()
        values["agent.name"] = name
        values["agent.first_name"] = first_name(name)
    return values


def render(body: str, values: Mapping[str, str]) -> str:
    """Fill `{{name}}` from `values`; `{{name | text}}` uses `text` when the value is empty.

    Names that are not in `values` are left exactly as written.
    """

    def replace(match: re.Match[str]) -> str:
        name, fallback = match.group(1), match.group(2)
        if name not in values:
            return match.group(0)
        value = values[name]
        if not value and fallback is not None:
            return fallback.strip()
        return value

    return VARIABLE.sub(replace, body)


def unknown_variables(body: str) -> list[str]:
    """Names used in `body` that the renderer does not know, in order of first use."""
    found: list[str] = []
    for match in VARIABLE.finditer(body):
        name = match.group(1)
        if name not in KNOWN and name not in found:
            found.append(name)
    return found


def pick_body(bodies: Mapping[str, str], language: str, default_language: str) -> str:
    """The body in `language`, else its base language ("uz" for "uz-cyrl"), else the fallback."""
    language = language.lower()
    for candidate in (language, language.split("-", 1)[0], default_language):
        if bodies.get(candidate):
            return bodies[candidate]
    return next((body for body in bodies.values() if body), "")
