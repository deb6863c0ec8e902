"""The admin pages' forms: plain field checks here, every real rule in the actions."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from javob.automation.models import Match, Trigger, Visibility
from javob.core.errors import ActionError

TEXTAREA = {"rows": 6, "cols": 70, "spellcheck": "false"}


def language_field(code: str) -> str:
    return "body_" + code.replace("-", "_")


def add_action_error(form: forms.Form, error: ActionError) -> None:
    """Show an action's refusal next to the field it names, or at the top of the form."""
    field = error.field if error.field in form.fields else None
    if field is None and error.field == "bodies":
        field = language_field(form.data.get("default_language", "en"))
    form.add_error(field if field in form.fields else None, error.message)


class CannedForm(forms.Form):
    shortcut = forms.CharField(
        label=_("Shortcut"), max_length=64, help_text=_("Typed after / in the reply box.")
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    default_language = forms.ChoiceField(label=_("Fallback language"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        languages = [(code.lower(), name) for code, name in settings.LANGUAGES]
        self.fields["default_language"].choices = languages  # type: ignore[attr-defined]
        for code, name in languages:
            self.fields[language_field(code)] = forms.CharField(
                label=_("Body (%(language)s)") % {"language": name},
                required=False,
                widget=forms.Textarea(attrs={"rows": 5, "cols": 70}),
            )

    def bodies(self) -> dict[str, str]:
        return {
            code.lower(): self.cleaned_data.get(language_field(code.lower()), "")
            for code, _name in settings.LANGUAGES
        }


class MacroForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    actions = forms.CharField(
        label=_("Actions, one per line"), widget=forms.Textarea(attrs=TEXTAREA)
    )


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    trigger = forms.ChoiceField(label=_("When"), choices=Trigger.choices)
    hours = forms.IntegerField(
        label=_("Hours without a reply"),
        min_value=0,
        initial=0,
        required=False,
        help_text=_("Only for the event “No reply for some hours”."),
    )
    match = forms.ChoiceField(label=_("Match"), choices=Match.choices)
    conditions = forms.CharField(
        label=_("Conditions, one per line (none: always)"),
        required=False,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    actions = forms.CharField(
        label=_("Actions, one per line"), widget=forms.Textarea(attrs=TEXTAREA)
    )
    stop_processing = forms.BooleanField(label=_("Stop processing later rules"), required=False)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    log_misses = forms.BooleanField(label=_("Log evaluations that did not match"), required=False)
