"""Actions and conditions as the admin pages edit them: one per line, names instead of ids.

    priority urgent                      condition: status is open
    labels_add vip, refund                          priority in high, urgent
    assign_agent bob@example.com                    message.text contains refund
    assign_team Sales                               message.text matches ^order\\s+\\d+
    status resolved                                 contact.tier is gold
    snooze 4                (hours)                 assignee is_not_set
    reply thanks            (canned shortcut)       business_hours is no
    note Checked by {{agent.name}}                  labels contains vip
    email ops@example.com | Subject | Body
    webhook https://hooks.example.com/javob

Parsing checks every line against the workspace (agents, teams, canned responses) and
returns the JSON stored on the row; formatting turns it back into these lines.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from javob.accounts.models import Membership, Team
from javob.automation import safe_regex
from javob.automation.models import CannedResponse
from javob.conversations.models import ChannelKind, Inbox, Priority, Status
from javob.core.errors import ActionError

Spec = dict[str, Any]

MACRO_ACTIONS = (
    "assign_agent",
    "assign_team",
    "priority",
    "labels_add",
    "labels_remove",
    "status",
    "snooze",
    "reply",
    "note",
)
RULE_ACTIONS = (*MACRO_ACTIONS, "email", "webhook")
SETTABLE_STATUSES = (Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED)

CHOICE_FIELDS = {
    "status": Status.values,
    "priority": Priority.values,
    "channel": ChannelKind.values,
}
TEXT_FIELDS = ("language", "message.sentiment", "message.intent")
ID_FIELDS = ("inbox", "team", "assignee")
OPS = {
    "choice": ("is", "is_not", "in"),
    "text": ("is", "is_not", "in", "is_set", "is_not_set"),
    "id": ("is", "is_not", "is_set", "is_not_set"),
    "contact": ("is", "is_not", "contains", "is_set", "is_not_set"),
    "labels": ("contains", "not_contains"),
    "message.text": ("contains", "not_contains", "matches"),
    "business_hours": ("is",),
}
YES = ("yes", "true", "1", "open")
NO = ("no", "false", "0", "closed")


def _error(line_number: int, message: str, field: str) -> ActionError:
    return ActionError(
        _("Line %(line)d: %(message)s") % {"line": line_number, "message": message}, field=field
    )


def _lines(text: str) -> list[tuple[int, str]]:
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#")
    ]


def _csv(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


# Actions.


def parse_actions(workspace_id: int, text: str, *, allowed: tuple[str, ...]) -> list[Spec]:
    specs = []
    for number, line in _lines(text):
        kind, _sep, arg = line.partition(" ")
        if kind not in allowed:
            message = _("unknown action %(kind)r; use one of: %(known)s") % {
                "kind": kind,
                "known": ", ".join(allowed),
            }
            raise _error(number, message, "actions")
        try:
            specs.append(_parse_action(workspace_id, kind, arg.strip()))
        except ActionError as exc:
            raise _error(number, exc.message, "actions") from exc
    if not specs:
        raise ActionError(_("Give at least one action."), field="actions")
    return specs


def _parse_action(workspace_id: int, kind: str, arg: str) -> Spec:
    parser = _ACTION_PARSERS[kind]
    return {"type": kind, **parser(workspace_id, arg)}


def _agent(workspace_id: int, arg: str) -> Spec:
    if arg.lower() in ("none", "nobody", "-"):
        return {"agent_id": None}
    agent = (
        Membership.objects.filter(workspace_id=workspace_id, is_active=True)
        .filter(user__email__iexact=arg)
        .first()
    )
    if agent is None:
        raise ActionError(_("no agent with the email %(email)r here") % {"email": arg})
    return {"agent_id": agent.pk}


def _team(workspace_id: int, arg: str) -> Spec:
    if arg.lower() in ("none", "-"):
        return {"team_id": None}
    team = Team.objects.filter(workspace_id=workspace_id, name__iexact=arg).first()
    if team is None:
        raise ActionError(_("no team named %(name)r") % {"name": arg})
    return {"team_id": team.pk}


def _choice(values: list[str]) -> Any:
    def parse(workspace_id: int, arg: str) -> Spec:
        if arg not in values:
            raise ActionError(_("use one of: %(known)s") % {"known": ", ".join(values)})
        return {"value": arg}

    return parse


def _labels(workspace_id: int, arg: str) -> Spec:
    labels = _csv(arg)
    if not labels or any(len(label) > 64 for label in labels):
        raise ActionError(_("give label names of at most 64 characters, separated by commas"))
    return {"labels": labels}


def _hours(workspace_id: int, arg: str) -> Spec:
    if not arg.isdigit() or not 1 <= int(arg) <= 24 * 365:
        raise ActionError(_("give the number of hours to snooze"))
    return {"hours": int(arg)}


def _canned(workspace_id: int, arg: str) -> Spec:
    canned = CannedResponse.objects.filter(
        workspace_id=workspace_id, shortcut=arg.lstrip("/"), visibility="shared"
    ).first()
    if canned is None:
        raise ActionError(_("no shared canned response /%(shortcut)s") % {"shortcut": arg})
    return {"canned_id": canned.pk}


def _note(workspace_id: int, arg: str) -> Spec:
    if not arg:
        raise ActionError(_("the note is empty"))
    return {"text": arg}


def _email(workspace_id: int, arg: str) -> Spec:
    parts = [part.strip() for part in arg.split("|", 2)]
    if len(parts) != 3 or not all(parts):
        raise ActionError(_("write: email address(es) | subject | body"))
    recipients = _csv(parts[0])
    for address in recipients:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ActionError(
                _("%(address)r is not an email address") % {"address": address}
            ) from exc
    return {"to": recipients, "subject": parts[1], "body": parts[2]}


def _webhook(workspace_id: int, arg: str) -> Spec:
    try:
        URLValidator(schemes=["http", "https"])(arg)
    except ValidationError as exc:
        raise ActionError(_("give an http(s) URL")) from exc
    return {"url": arg}


_ACTION_PARSERS: dict[str, Any] = {
    "assign_agent": _agent,
    "assign_team": _team,
    "priority": _choice(Priority.values),
    "status": _choice([str(status) for status in SETTABLE_STATUSES]),
    "labels_add": _labels,
    "labels_remove": _labels,
    "snooze": _hours,
    "reply": _canned,
    "note": _note,
    "email": _email,
    "webhook": _webhook,
}


def format_actions(specs: list[Spec]) -> str:
    return "\n".join(_format_action(spec) for spec in specs)


def _format_action(spec: Spec) -> str:
    kind = spec["type"]
    if kind == "assign_agent":
        agent = Membership.objects.filter(pk=spec["agent_id"]).select_related("user").first()
        arg = agent.user.email if agent else "none"
    elif kind == "assign_team":
        team = Team.objects.filter(pk=spec["team_id"]).first()
        arg = team.name if team else "none"
    elif kind in ("priority", "status"):
        arg = spec["value"]
    elif kind in ("labels_add", "labels_remove"):
        arg = ", ".join(spec["labels"])
    elif kind == "snooze":
        arg = str(spec["hours"])
    elif kind == "reply":
        canned = CannedResponse.objects.filter(pk=spec["canned_id"]).first()
        arg = canned.shortcut if canned else "?"
    elif kind == "note":
        arg = spec["text"]
    elif kind == "email":
        arg = f"{', '.join(spec['to'])} | {spec['subject']} | {spec['body']}"
    else:
        arg = spec["url"]
    return f"{kind} {arg}"


# Conditions.


def field_kind(field: str) -> str:
    if field in CHOICE_FIELDS:
        return "choice"
    if field in TEXT_FIELDS:
        return "text"
    if field in ID_FIELDS:
        return "id"
    if field.startswith("contact.") and len(field) > len("contact."):
        return "contact"
    if field in ("labels", "message.text", "business_hours"):
        return field
    raise ActionError(_("unknown field %(field)r") % {"field": field})


def parse_conditions(workspace_id: int, text: str) -> list[Spec]:
    specs = []
    for number, line in _lines(text):
        try:
            specs.append(parse_condition(workspace_id, line))
        except ActionError as exc:
            raise _error(number, exc.message, "conditions") from exc
    return specs


def parse_condition(workspace_id: int, line: str) -> Spec:
    field, _sep, rest = line.partition(" ")
    op, _sep, value = rest.strip().partition(" ")
    kind = field_kind(field)
    if op not in OPS[kind]:
        raise ActionError(
            _("%(field)s takes one of: %(ops)s") % {"field": field, "ops": ", ".join(OPS[kind])}
        )
    return {
        "field": field,
        "op": op,
        "value": _condition_value(workspace_id, kind, field, op, value.strip()),
    }


def _condition_value(workspace_id: int, kind: str, field: str, op: str, value: str) -> Any:
    if op in ("is_set", "is_not_set"):
        return None
    if not value:
        raise ActionError(_("%(field)s %(op)s needs a value") % {"field": field, "op": op})
    if kind == "business_hours":
        if value.lower() not in (*YES, *NO):
            raise ActionError(_("business_hours is yes or no"))
        return value.lower() in YES
    if op == "matches":
        safe_regex.check_pattern(value)
        return value
    if kind == "id":
        return _condition_id(workspace_id, field, value)
    if op == "in":
        values = _csv(value)
        for item in values:
            _check_choice(kind, field, item)
        return values
    _check_choice(kind, field, value)
    return value


def _check_choice(kind: str, field: str, value: str) -> None:
    if kind == "choice" and value not in CHOICE_FIELDS[field]:
        raise ActionError(
            _("%(field)s is one of: %(known)s")
            % {"field": field, "known": ", ".join(CHOICE_FIELDS[field])}
        )


def _condition_id(workspace_id: int, field: str, value: str) -> int:
    if field == "inbox":
        inbox = Inbox.objects.filter(workspace_id=workspace_id, name__iexact=value).first()
        if inbox is None:
            raise ActionError(_("no inbox named %(name)r") % {"name": value})
        return inbox.pk
    if field == "team":
        return int(_team(workspace_id, value)["team_id"] or 0)
    agent_id = _agent(workspace_id, value)["agent_id"]
    return int(agent_id or 0)


def format_conditions(specs: list[Spec]) -> str:
    return "\n".join(_format_condition(spec) for spec in specs)


def _format_condition(spec: Spec) -> str:
    field, op, value = spec["field"], spec["op"], spec["value"]
    if value is None:
        return f"{field} {op}"
    if isinstance(value, bool):
        return f"{field} {op} {'yes' if value else 'no'}"
    if isinstance(value, list):
        return f"{field} {op} {', '.join(value)}"
    if field in ID_FIELDS:
        return f"{field} {op} {_id_name(field, int(value))}"
    return f"{field} {op} {value}"


def _id_name(field: str, pk: int) -> str:
    if field == "inbox":
        inbox = Inbox.objects.filter(pk=pk).first()
        return inbox.name if inbox else str(pk)
    if field == "team":
        team = Team.objects.filter(pk=pk).first()
        return team.name if team else str(pk)
    agent = Membership.objects.filter(pk=pk).select_related("user").first()
    return agent.user.email if agent else str(pk)
