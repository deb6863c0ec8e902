"""Forms of the SLA admin pages; they parse input into the actions' dataclasses."""

from __future__ import annotations

from functools import cache
from typing import Any, cast
from zoneinfo import available_timezones

from django import forms
from django.utils.translation import gettext_lazy as _

from javob.accounts.models import Team
from javob.conversations.models import ChannelKind, Inbox, Priority
from javob.sla.actions import CalendarInput, PolicyInput
from javob.sla.autoack import LANGUAGES
from javob.sla.models import Calendar, Metric, SlaPolicy

WEEKDAYS = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
LANGUAGE_NAMES = {"uz": "Oʻzbekcha", "uz-cyrl": "Ўзбекча", "ru": "Русский", "en": "English"}


@cache
def zone_choices() -> list[tuple[str, str]]:
    return [(zone, zone) for zone in sorted(available_timezones())]


def format_day(spans: list[list[str]]) -> str:
    return ", ".join(f"{start}-{end}" for start, end in spans)


def parse_day(text: str) -> list[list[str]]:
    """ "09:00-13:00, 14:00-18:00" -> [["09:00", "13:00"], ["14:00", "18:00"]] (checked later)."""
    spans = []
    for part in text.replace(";", ",").split(","):
        if part.strip():
            start, _sep, end = part.strip().partition("-")
            spans.append([start.strip(), end.strip()])
    return spans


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    zone = forms.ChoiceField(label=_("Time zone"), choices=zone_choices)
    country = forms.CharField(
        label=_("Public holidays of country (ISO code, e.g. UZ)"), max_length=2, required=False
    )
    subdivision = forms.CharField(label=_("Region (optional)"), max_length=16, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index, day in enumerate(WEEKDAYS):
            self.fields[f"day{index}"] = forms.CharField(
                label=day,
                required=False,
                help_text=_("Intervals like 09:00-13:00, 14:00-18:00; empty when closed."),
            )

    @classmethod
    def initial_for(cls, calendar: Calendar) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": calendar.name,
            "zone": calendar.zone,
            "country": calendar.country,
            "subdivision": calendar.subdivision,
        }
        for index, spans in enumerate(calendar.weekly):
            initial[f"day{index}"] = format_day(spans)
        return initial

    def to_input(self) -> CalendarInput:
        data = self.cleaned_data
        return CalendarInput(
            name=data["name"],
            zone=data["zone"],
            weekly=[parse_day(data[f"day{index}"]) for index in range(7)],
            country=data["country"],
            subdivision=data["subdivision"],
        )


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    recurring = forms.BooleanField(label=_("Every year"), required=False)
    name = forms.CharField(label=_("Name"), max_length=200, required=False)


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    position = forms.IntegerField(label=_("Order (first match applies)"), min_value=0, initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    business_hours = forms.BooleanField(
        label=_("Count business hours only"), required=False, initial=True
    )
    warn_minutes = forms.IntegerField(label=_("Warn minutes before"), min_value=0, initial=15)
    inboxes = forms.ModelMultipleChoiceField(
        label=_("Inboxes"), queryset=Inbox.objects.none(), required=False
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"), choices=ChannelKind.choices, required=False
    )
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"), queryset=Team.objects.none(), required=False
    )
    labels = forms.CharField(label=_("Labels (comma separated)"), required=False)
    attribute = forms.CharField(label=_("Contact attribute (e.g. tier)"), required=False)
    attribute_values = forms.CharField(
        label=_("Attribute values (comma separated)"), required=False
    )

    def __init__(self, workspace_id: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inboxes = cast(forms.ModelMultipleChoiceField, self.fields["inboxes"])  # type: ignore[type-arg]
        teams = cast(forms.ModelMultipleChoiceField, self.fields["teams"])  # type: ignore[type-arg]
        inboxes.queryset = Inbox.objects.filter(workspace_id=workspace_id).order_by("name")
        teams.queryset = Team.objects.filter(workspace_id=workspace_id).order_by("name")
        for metric, metric_label in Metric.choices:
            for priority, priority_label in Priority.choices:
                self.fields[f"t_{metric}_{priority}"] = forms.IntegerField(
                    label=f"{metric_label} · {priority_label}", min_value=1, required=False
                )

    def target_rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (str(label), [self[f"t_{metric}_{priority}"] for priority in Priority.values])
            for metric, label in Metric.choices
        ]

    @classmethod
    def initial_for(cls, policy: SlaPolicy) -> dict[str, Any]:
        cond = policy.conditions or {}
        attribute, values = next(iter((cond.get("contact_attributes") or {}).items()), ("", []))
        initial: dict[str, Any] = {
            "name": policy.name,
            "position": policy.position,
            "is_active": policy.is_active,
            "business_hours": policy.business_hours,
            "warn_minutes": policy.warn_minutes,
            "inboxes": cond.get("inbox_ids", []),
            "channels": cond.get("channels", []),
            "teams": cond.get("team_ids", []),
            "labels": ", ".join(cond.get("labels", [])),
            "attribute": attribute,
            "attribute_values": ", ".join(values),
        }
        for metric, by_priority in (policy.targets or {}).items():
            for priority, minutes in by_priority.items():
                initial[f"t_{metric}_{priority}"] = minutes
        return initial

    def to_input(self) -> PolicyInput:
        data = self.cleaned_data
        targets: dict[str, dict[str, int]] = {}
        for metric in Metric.values:
            for priority in Priority.values:
                minutes = data.get(f"t_{metric}_{priority}")
                if minutes:
                    targets.setdefault(metric, {})[priority] = minutes
        conditions: dict[str, Any] = {
            "inbox_ids": [inbox.pk for inbox in data["inboxes"]],
            "channels": list(data["channels"]),
            "team_ids": [team.pk for team in data["teams"]],
            "labels": _split(data["labels"]),
        }
        if data["attribute"].strip():
            conditions["contact_attributes"] = {
                data["attribute"].strip(): _split(data["attribute_values"])
            }
        return PolicyInput(
            name=data["name"],
            targets=targets,
            conditions=conditions,
            position=data["position"],
            business_hours=data["business_hours"],
            warn_minutes=data["warn_minutes"],
            is_active=data["is_active"],
        )


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class AutoAckForm(forms.Form):
    enabled = forms.BooleanField(label=_("Send an automatic acknowledgement"), required=False)
    default_language = forms.ChoiceField(
        label=_("Language when the customer's is unknown"),
        choices=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )
