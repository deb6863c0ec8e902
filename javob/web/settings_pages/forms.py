"""Forms of the settings pages. They parse and show errors; the actions decide."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from javob.accounts.models import Membership, Role, Team
from javob.connectors.base import Connector
from javob.core.errors import ActionError
from javob.core.validation import check_language_codes

LANGUAGES_HELP = _("Language codes separated by commas, for example: uz, ru, en")
# Labels of the connector settings we know; others show their key.
SETTING_LABELS = {
    "webhook_url": _("Webhook URL (where replies are posted)"),
    "webhook_secret": _("Webhook secret"),
    "bot_token": _("Bot token"),
    "access_token": _("Access token"),
    "app_secret": _("App secret"),
    "verify_token": _("Verify token"),
    "phone_number_id": _("Phone number ID"),
    "page_id": _("Page ID"),
    "api_key": _("API key"),
    "provider": _("Provider (`twilio` or `gateway`)"),
    "account_sid": _("Account SID"),
    "auth_token": _("Auth token"),
    "from_number": _("Sender number"),
    "messaging_service_sid": _("Messaging Service SID"),
    "preset": _("Gateway preset (`eskiz` or `playmobile`)"),
    "sender": _("Sender name or number"),
    "send_url": _("Send URL"),
    "username": _("Username or e-mail"),
    "password": _("Password"),
    "api_token": _("API token"),
    "inbound_secret": _("Inbound secret"),
    "session_token": _("Session token (issued at login)"),
}


def show_error(form: forms.Form, error: ActionError) -> None:
    """Put an action's refusal next to the field it names, else at the top of the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def split_languages(value: str) -> list[str]:
    return [code for code in re.split(r"[\s,;]+", value.strip()) if code]


class LanguagesField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Languages"))
        kwargs.setdefault("help_text", LANGUAGES_HELP)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return split_languages(str(super().to_python(value) or ""))

    def validate(self, value: Any) -> None:
        super().validate(value)
        try:
            check_language_codes(value)
        except ActionError as exc:
            raise forms.ValidationError(exc.message) from exc


def role_choices(actor: Membership) -> list[tuple[str, str]]:
    """Only owners may hand out the owner role."""
    return [
        (str(value), str(label))
        for value, label in Role.choices
        if value != Role.OWNER or actor.role == Role.OWNER
    ]


class TeamsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    def __init__(self, workspace_id: int, **kwargs: Any) -> None:
        super().__init__(
            queryset=Team.objects.filter(workspace_id=workspace_id).order_by("name", "id"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=_("Teams"),
            **kwargs,
        )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    display_name = forms.CharField(label=_("Name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"))
    languages = LanguagesField()

    def __init__(self, actor: Membership, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(actor)  # type: ignore[attr-defined]
        self.fields["role"].initial = Role.AGENT
        self.fields["teams"] = TeamsField(actor.workspace_id)


class AgentForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))
    languages = LanguagesField()

    def __init__(self, actor: Membership, member: Membership, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = role_choices(actor)
        if member.role == Role.OWNER and actor.role != Role.OWNER:
            # An admin sees an owner's role but cannot change it.
            choices = [(Role.OWNER.value, str(Role.OWNER.label))]
            self.fields["role"].disabled = True
        self.fields["role"].choices = choices  # type: ignore[attr-defined]
        self.fields["teams"] = TeamsField(actor.workspace_id)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)

    def __init__(self, actor: Membership, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"] = forms.ModelMultipleChoiceField(
            queryset=Membership.objects.filter(workspace_id=actor.workspace_id, is_active=True)
            .select_related("user")
            .order_by("id"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=_("Members"),
        )


class LabelForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    color = forms.CharField(
        label=_("Colour"),
        initial="#64748b",
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
    )


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        help_text=_("What will use this token, for example: CRM sync"),
    )


class InboxForm(forms.Form):
    """Name, team, languages and grace period, then the connector's own settings."""

    name = forms.CharField(label=_("Name"), max_length=200)
    languages = LanguagesField(
        label=_("Languages served"),
        help_text=_("Language codes of the customers this inbox serves, for example: uz, ru"),
    )
    reopen_grace_hours = forms.IntegerField(
        label=_("Reopen grace period (hours)"),
        min_value=0,
        initial=168,
        help_text=_(
            "A customer message within this time after resolution reopens the conversation; "
            "later, it starts a new one."
        ),
    )

    def __init__(
        self, actor: Membership, connector: type[Connector] | None, *args: Any, **kwargs: Any
    ) -> None:
        self.adding = kwargs.pop("adding", False)
        super().__init__(*args, **kwargs)
        self.fields["team"] = forms.ModelChoiceField(
            queryset=Team.objects.filter(workspace_id=actor.workspace_id).order_by("name", "id"),
            required=False,
            label=_("Team"),
            empty_label=_("No team (every agent)"),
        )
        self.order_fields(["name", "team"])
        self.setting_names: list[str] = []
        self.secret_names: list[str] = []
        if connector is not None:
            self._add_connector_fields(connector)

    def _add_connector_fields(self, connector: type[Connector]) -> None:
        plain = [*connector.required_settings, *connector.optional_settings]
        for key in dict.fromkeys(plain):
            if key in connector.secret_settings:
                continue
            self.setting_names.append(key)
            kind = forms.URLField if key.endswith("_url") else forms.CharField
            self.fields[key] = kind(
                label=SETTING_LABELS.get(key, key),
                required=key in connector.required_settings,
                max_length=2000,
            )
        for key in connector.secret_settings:
            self.secret_names.append(key)
            required = self.adding and key in connector.required_settings
            self.fields[key] = forms.CharField(
                label=SETTING_LABELS.get(key, key),
                required=required,
                max_length=2000,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                help_text=_("Stored encrypted. Leave empty to keep the current value.")
                if not self.adding
                else _("Stored encrypted. Leave empty to have one generated, if possible."),
            )

    def settings_values(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key) or "" for key in self.setting_names}

    def secret_values(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key) or "" for key in self.secret_names}
