"""Message templates: syncing them from the Graph API, and filling in their variables.

A template's header, body and URL buttons may hold variables, `{{1}}`, `{{2}}` (positional) or
`{{first_name}}` (named). The agent gives one value per variable, by component: `{"header":
[...], "body": [...], "button_0": [...]}`; the values become the `components` parameters of the
send call and also fill the text we store, so the timeline shows what the customer received.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from javob.core.errors import ActionError

VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
MEDIA_FORMATS = ("IMAGE", "VIDEO", "DOCUMENT")
MAX_VALUE = 1024
FIELDS = "id,name,language,status,category,components,parameter_format"


@dataclass(frozen=True, slots=True)
class Slot:
    """Where values go: a component key ("header", "body", "button_0") and its variables."""

    key: str
    names: tuple[str, ...]
    media: str = ""  # IMAGE/VIDEO/DOCUMENT for a media header: one value, its link


def variables(text: str) -> tuple[str, ...]:
    seen: list[str] = []
    for name in VARIABLE.findall(text):
        if name not in seen:
            seen.append(name)
    return tuple(seen)


def slots(components: list[dict[str, Any]]) -> list[Slot]:
    """Every place of a template that needs values, in order."""
    found: list[Slot] = []
    for component in components:
        kind = str(component.get("type", "")).upper()
        if kind == "HEADER":
            media = str(component.get("format", "")).upper()
            if media in MEDIA_FORMATS:
                found.append(Slot("header", ("link",), media=media))
            elif names := variables(str(component.get("text", ""))):
                found.append(Slot("header", names))
        elif kind == "BODY" and (names := variables(str(component.get("text", "")))):
            found.append(Slot("body", names))
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons") or []):
                if button.get("type") == "URL" and (names := variables(str(button.get("url", "")))):
                    found.append(Slot(f"button_{index}", names))
    return found


def check_values(components: list[dict[str, Any]], values: dict[str, list[str]]) -> None:
    """Refuse missing, extra, empty or overlong values, naming the component."""
    expected = {slot.key: slot for slot in slots(components)}
    for key in values:
        if key not in expected:
            raise ActionError(
                _("This template has no variables in %(part)s.") % {"part": key}, field="variables"
            )
    for key, slot in expected.items():
        given = values.get(key, [])
        if len(given) != len(slot.names):
            raise ActionError(
                _("%(part)s needs %(count)d values, got %(given)d.")
                % {"part": key, "count": len(slot.names), "given": len(given)},
                field="variables",
            )
        if any(not value.strip() or len(value) > MAX_VALUE for value in given):
            raise ActionError(
                _("Every variable of %(part)s needs a value (at most %(max)d characters).")
                % {"part": key, "max": MAX_VALUE},
                field="variables",
            )


def send_components(
    components: list[dict[str, Any]], values: dict[str, list[str]], *, named: bool
) -> list[dict[str, Any]]:
    """The `template.components` of the send call."""
    out: list[dict[str, Any]] = []
    for slot in slots(components):
        given = values[slot.key]
        if slot.media:
            kind = slot.media.lower()
            out.append({"type": "header", "parameters": [{"type": kind, kind: {"link": given[0]}}]})
            continue
        parameters = []
        for name, value in zip(slot.names, given, strict=True):
            parameter = {"type": "text", "text": value}
            if named:
                parameter["parameter_name"] = name
            parameters.append(parameter)
        if slot.key.startswith("button_"):
            index = slot.key.removeprefix("button_")
            out.append(
                {"type": "button", "sub_type": "url", "index": index, "parameters": parameters}
            )
        else:
            out.append({"type": slot.key, "parameters": parameters})
    return out


def render(components: list[dict[str, Any]], values: dict[str, list[str]]) -> str:
    """The text the customer sees: header, body and footer with the values filled in."""
    filled = {
        slot.key: dict(zip(slot.names, values.get(slot.key, []), strict=False))
        for slot in slots(components)
    }
    parts = []
    for component in components:
        kind = str(component.get("type", "")).upper()
        text = str(component.get("text", ""))
        if kind not in ("HEADER", "BODY", "FOOTER") or not text:
            continue
        parts.append(_fill(text, filled.get(kind.lower(), {})))
    return "\n\n".join(parts)


def _fill(text: str, mapping: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        return mapping.get(match.group(1), match.group(0))

    return VARIABLE.sub(value, text)
