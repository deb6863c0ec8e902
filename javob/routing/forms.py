"""The routing page's forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from javob.conversations.models import ChannelKind
from javob.routing.models import Strategy


class SettingForm(forms.Form):
    # "inbox:<id>" or "team:<id>"; only when creating.
    scope = forms.ChoiceField(label=_("Inbox or team"), required=False)
    enabled = forms.BooleanField(label=_("Assign automatically"), required=False, initial=True)
    strategy = forms.ChoiceField(label=_("Strategy"), choices=Strategy.choices)
    capacity = forms.IntegerField(
        label=_("Capacity per agent"),
        min_value=0,
        max_value=1000,
        initial=0,
        help_text=_("Open and pending conversations an agent may hold; 0 means no limit."),
    )
    match_language = forms.BooleanField(
        label=_("Agent must speak the conversation's language"), required=False, initial=True
    )
    only_online = forms.BooleanField(
        label=_("Only agents who are online"), required=False, initial=True
    )
    unassign_when_offline = forms.BooleanField(
        label=_("Unassign when the agent goes offline"), required=False
    )


class SkillsForm(forms.Form):
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=ChannelKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None checked: every channel."),
    )
