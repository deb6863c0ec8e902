"""The settings of a web-chat inbox on its settings page: a form of its own, because the
widget's settings each have a format (origins, hours, pre-chat modes) and an empty field
means "the default", never an empty string stored."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

from javob.accounts.models import Membership
from javob.connectors.webchat.config import (
    DAYS,
    FIELD_MODES,
    PRECHAT_FIELDS,
    WIDGET_LANGUAGES,
    format_hours,
    join_hours,
    parse_hours,
    parse_origins,
)
from javob.connectors.webchat.connector import check_widget_settings
from javob.conversations.models import Inbox
from javob.core.errors import ActionError
from javob.web.settings_pages.forms import InboxForm

DAY_LABELS = {
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}
LANGUAGE_LABELS = {
    "uz": _("Uzbek (Latin)"),
    "uz-cyrl": _("Uzbek (Cyrillic)"),
    "ru": _("Russian"),
    "en": _("English"),
}
MODE_LABELS = {"off": _("Off"), "optional": _("Optional"), "required": _("Required")}
PRECHAT_LABELS = {
    "name": _("Pre-chat form: name"),
    "email": _("Pre-chat form: email"),
    "phone": _("Pre-chat form: phone"),
}


def greeting_languages(languages: list[str]) -> list[str]:
    """The widget languages of an inbox (all of them when it names none it can speak)."""
    served = [lang.lower() for lang in languages if lang.lower() in WIDGET_LANGUAGES]
    return list(dict.fromkeys(served)) or list(WIDGET_LANGUAGES)


def initial_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The stored settings as the form shows them."""
    initial: dict[str, Any] = {
        key: value
        for key, value in settings.items()
        if key.startswith(("greeting", "prechat_"))
        or key in ("offline_message", "away_minutes", "bot", "email_inbox", "time_zone")
    }
    origins = re.split(r"[\s,]+", str(settings.get("allowed_origins", "")).strip())
    initial["allowed_origins"] = "\n".join(o for o in origins if o)
    try:
        days = format_hours(
            parse_hours(str(settings.get("hours", "")), str(settings.get("time_zone", "UTC")))
        )
    except ActionError:
        days = ["" for _day in DAYS]
    initial.update({f"hours_{day}": text for day, text in zip(DAYS, days, strict=True)})
    return initial


class WebchatInboxForm(InboxForm):
    """The inbox's name, team, languages and grace period, then the widget's settings."""

    def __init__(self, actor: Membership, inbox: Inbox | None, *args: Any, **kwargs: Any) -> None:
        super().__init__(actor, None, *args, **kwargs)
        self.inbox = inbox
        self.workspace_id = actor.workspace_id
        self.fields["allowed_origins"] = forms.CharField(
            label=_("Allowed origins"),
            help_text=_(
                "The sites that may embed this chat, one per line, e.g. https://shop.example"
            ),
            widget=forms.Textarea(attrs={"rows": 3}),
            max_length=2000,
        )
        languages = list(inbox.languages) if inbox is not None else []
        if self.is_bound:
            languages = [
                code for code in re.split(r"[\s,;]+", self.data.get("languages", "")) if code
            ]
        self._add_greetings_and_prechat(languages)
        self._add_schedule()
        self._add_follow_up(actor.workspace_id)

    def _add_greetings_and_prechat(self, languages: list[str]) -> None:
        self.greeting_names = [f"greeting_{lang}" for lang in greeting_languages(languages)]
        self.fields["greeting"] = self._text(
            _("Greeting (any language)"),
            _("Empty: the default greeting, translated into the visitor's language."),
        )
        for name in self.greeting_names:
            lang = name.removeprefix("greeting_")
            self.fields[name] = self._text(
                _("Greeting in %(language)s") % {"language": LANGUAGE_LABELS[lang]},
                _("Empty: the greeting above."),
            )
        for field in PRECHAT_FIELDS:
            self.fields[f"prechat_{field}"] = forms.ChoiceField(
                label=PRECHAT_LABELS[field],
                choices=[(mode, MODE_LABELS[mode]) for mode in FIELD_MODES],
                initial="optional" if field == "name" else "off",
            )

    def _add_schedule(self) -> None:
        self.fields["time_zone"] = forms.ChoiceField(
            label=_("Time zone of the business hours"),
            choices=[(zone, zone) for zone in sorted(available_timezones())],
            initial="UTC",
        )
        for day in DAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=DAY_LABELS[day],
                required=False,
                max_length=200,
                help_text=_("e.g. 09:00-18:00, or 09:00-13:00, 14:00-18:00; empty: closed")
                if day == "mon"
                else "",
            )
        self.fields["offline_message"] = self._text(
            _("Offline message"), _("Shown outside business hours. Empty: the default text.")
        )

    def _add_follow_up(self, workspace_id: int) -> None:
        self.fields["email_inbox"] = forms.ChoiceField(
            label=_("Email inbox for follow-ups and transcripts"),
            required=False,
            choices=[("", _("None (send through the server's mail settings)"))]
            + [
                (str(pk), name)
                for pk, name in Inbox.objects.filter(workspace_id=workspace_id, kind="email")
                .order_by("name", "id")
                .values_list("pk", "name")
            ],
        )
        self.fields["away_minutes"] = forms.IntegerField(
            label=_("Minutes before replies go out by email"),
            required=False,
            min_value=1,
            max_value=10_080,
            help_text=_("After the visitor has been gone this long. Empty: 15."),
        )
        self.fields["bot"] = forms.CharField(
            label=_("Bot (dotted path of a bot class)"),
            required=False,
            max_length=200,
            help_text=_("Answers first; empty: no bot."),
        )

    @staticmethod
    def _text(label: Any, help_text: Any) -> forms.CharField:
        return forms.CharField(
            label=label,
            required=False,
            max_length=1000,
            help_text=help_text,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for day in DAYS:
            text = str(cleaned.get(f"hours_{day}") or "")
            if text.strip():
                try:
                    parse_hours(f"{day} {text}", "UTC")
                except ActionError as error:
                    self.add_error(f"hours_{day}", error.message)
        if self.errors:
            return cleaned
        stored = dict(self.inbox.settings) if self.inbox is not None else {}
        merged = {**stored, **self.settings_values()}
        try:
            check_widget_settings(
                {key: value for key, value in merged.items() if value},
                list(cleaned.get("languages") or []),
                self.workspace_id,
            )
        except ActionError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned

    def settings_values(self) -> dict[str, str]:
        """Every widget setting, "" for those left empty (the action then drops them, so the
        default applies)."""
        data = self.cleaned_data
        try:
            origins = " ".join(parse_origins(str(data.get("allowed_origins") or "")))
        except ActionError:  # shown as the field's error by clean()
            origins = str(data.get("allowed_origins") or "")
        values = {
            "allowed_origins": origins,
            "hours": join_hours([str(data.get(f"hours_{day}") or "") for day in DAYS]),
            "away_minutes": str(data["away_minutes"]) if data.get("away_minutes") else "",
        }
        values.update({f"greeting_{lang}": "" for lang in WIDGET_LANGUAGES})
        names = [
            "greeting",
            *self.greeting_names,
            *(f"prechat_{field}" for field in PRECHAT_FIELDS),
            "time_zone",
            "offline_message",
            "email_inbox",
            "bot",
        ]
        values.update({name: str(data.get(name) or "").strip() for name in names})
        return values

    def secret_values(self) -> dict[str, str]:
        return {}  # the identity secret is generated, shown and replaced on its own


@dataclass(frozen=True, slots=True)
class WidgetEmbed:
    """What the settings page shows to put the chat on a site."""

    public_id: str
    script_url: str

    @property
    def snippet(self) -> str:
        return f'<script src="{self.script_url}" data-inbox="{self.public_id}" async></script>'


def widget_embed(inbox: Inbox) -> WidgetEmbed:
    """The one tag for the host site. The widget talks to the origin its script came from, so
    the script's URL is absolute, on Javob's public URL (as are the webhook URLs)."""
    script = urljoin(settings.JAVOB_PUBLIC_URL + "/", static("webchat/widget.js"))
    return WidgetEmbed(str(inbox.settings.get("public_id", "")), script)
