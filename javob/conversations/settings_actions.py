"""Workspace settings of the conversations app: labels and the configuration of inboxes.

Adding an inbox is `connectors.actions.check_add_inbox`; everything an admin changes later
is here. Each change is written to the audit trail (`accounts.audit`); deleting a label also
leaves a `labels` event on each conversation that carried it, as removing it by hand would.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.accounts.audit import record
from javob.accounts.models import Membership, Team
from javob.connectors.actions import check_add_inbox
from javob.connectors.registry import connector_for, has_connector
from javob.conversations.models import Conversation, Event, EventKind, Inbox, Label, SenderType
from javob.core.errors import ActionError, NotFound, PermissionDenied
from javob.core.validation import check_language_codes

COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_GRACE_HOURS = 24 * 365
SECRET_SETTING = "webhook_secret"  # noqa: S105 - the name of a setting, not a secret


def _require_admin(actor: Membership) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only owners and admins can change workspace settings."))


def _label(actor: Membership, label_id: int) -> Label:
    label = Label.objects.filter(workspace_id=actor.workspace_id, pk=label_id).first()
    if label is None:
        raise NotFound(_("No such label."), field="label_id")
    return label


def _clean_label(actor: Membership, name: str, color: str, exclude: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise ActionError(_("A label needs a name."), field="name")
    if len(name) > 64:
        raise ActionError(_("A label is at most 64 characters."), field="name")
    if not COLOR.match(color):
        raise ActionError(_("A colour looks like #1d4ed8."), field="color")
    taken = Label.objects.filter(workspace_id=actor.workspace_id, name=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise ActionError(_("A label with this name exists."), field="name")
    return name


def check_create_label(actor: Membership, name: str, color: str) -> Label:
    _require_admin(actor)
    name = _clean_label(actor, name, color)
    label = Label.objects.create(workspace_id=actor.workspace_id, name=name, color=color.lower())
    record(actor, "label.created", label=label.pk, name=name, color=label.color)
    return label


def check_update_label(actor: Membership, label_id: int, name: str, color: str) -> Label:
    """Rename and/or recolour a label. Past timeline events keep the name they recorded."""
    _require_admin(actor)
    with transaction.atomic():
        label = _label(actor, label_id)
        name = _clean_label(actor, name, color, exclude=label.pk)
        if (label.name, label.color) == (name, color.lower()):
            return label
        previous = {"name": label.name, "color": label.color}
        label.name, label.color = name, color.lower()
        label.save(update_fields=["name", "color"])
        record(actor, "label.updated", label=label.pk, previous=previous, name=name, color=color)
    return label


def check_delete_label(actor: Membership, label_id: int) -> int:
    """Delete a label; returns how many conversations lost it (each gets a `labels` event)."""
    _require_admin(actor)
    with transaction.atomic():
        label = _label(actor, label_id)
        conversation_ids = list(
            Conversation.objects.filter(labels=label).values_list("pk", flat=True)
        )
        now = timezone.now()
        Event.objects.bulk_create(
            Event(
                workspace_id=actor.workspace_id,
                conversation_id=conversation_id,
                kind=EventKind.LABELS,
                actor=actor,
                actor_type=SenderType.AGENT,
                data={"added": [], "removed": [label.name]},
                created_at=now,
            )
            for conversation_id in conversation_ids
        )
        record(actor, "label.deleted", label=label.pk, name=label.name)
        label.delete()
    return len(conversation_ids)


def access_settings_inbox(actor: Membership, inbox_id: int, *, lock: bool = False) -> Inbox:
    """An inbox of the actor's workspace, for an owner or admin; NotFound for any other."""
    _require_admin(actor)
    query = Inbox.objects.filter(workspace_id=actor.workspace_id, pk=inbox_id)
    if lock:
        query = query.select_for_update()
    inbox = query.first()
    if inbox is None:
        raise NotFound(_("No such inbox."), field="inbox_id")
    return inbox


@dataclass(frozen=True, slots=True)
class InboxConfig:
    """What an admin may change on an inbox. `secrets` left empty keep their stored value."""

    name: str
    team_id: int | None
    languages: tuple[str, ...]
    reopen_grace_hours: int
    settings: dict[str, str]
    secrets: dict[str, str]


def check_configure_inbox(actor: Membership, inbox_id: int, config: InboxConfig) -> Inbox:
    name = config.name.strip()
    if not name:
        raise ActionError(_("An inbox needs a name."), field="name")
    languages = sorted({code.strip() for code in config.languages if code.strip()})
    check_language_codes(languages)
    _check_grace(config.reopen_grace_hours)
    with transaction.atomic():
        inbox = access_settings_inbox(actor, inbox_id, lock=True)
        team = _team(actor, config.team_id)
        settings = {**inbox.settings, **{k: v.strip() for k, v in config.settings.items()}}
        _require_settings(inbox, settings, config.secrets)
        inbox.name, inbox.team, inbox.languages = name[:200], team, languages
        inbox.reopen_grace_hours = config.reopen_grace_hours
        inbox.settings = {key: value for key, value in settings.items() if value}
        new_secrets = {key: value for key, value in config.secrets.items() if value}
        inbox.secrets = {**inbox.secrets, **new_secrets}
        if has_connector(inbox.kind):
            connector_for(inbox).check_settings()
        if new_secrets and has_connector(inbox.kind):
            connector_for(inbox).setup()  # validates the secrets it knows (e.g. their length)
        inbox.save()
        record(
            actor,
            "inbox.configured",
            inbox=inbox.pk,
            name=inbox.name,
            team=inbox.team_id,
            languages=languages,
            reopen_grace_hours=inbox.reopen_grace_hours,
            settings=inbox.settings,
            secrets_changed=sorted(new_secrets),
        )
    return inbox


def _check_grace(hours: int) -> None:
    if not 0 <= hours <= MAX_GRACE_HOURS:
        raise ActionError(
            _("Between 0 and %(max)d hours.") % {"max": MAX_GRACE_HOURS},
            field="reopen_grace_hours",
        )


def _team(actor: Membership, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(workspace_id=actor.workspace_id, pk=team_id).first()
    if team is None:
        raise ActionError(_("Unknown team."), field="team")
    return team


def _require_settings(inbox: Inbox, settings: dict[str, str], secrets: dict[str, str]) -> None:
    if not has_connector(inbox.kind):
        return
    connector = connector_for(inbox)
    for key in connector.required_settings:
        if not (settings.get(key) or secrets.get(key) or inbox.secrets.get(key)):
            raise ActionError(_("This setting is required."), field=key)


def check_reveal_webhook_secret(actor: Membership, inbox_id: int) -> str:
    """The inbox's webhook secret, shown to an owner or admin who asks; the reveal is audited."""
    inbox = access_settings_inbox(actor, inbox_id)
    secret = str(inbox.secrets.get(SECRET_SETTING, ""))
    if not secret:
        raise ActionError(_("This inbox has no webhook secret."))
    record(actor, "inbox.secret_revealed", inbox=inbox.pk)
    return secret


def check_rotate_webhook_secret(actor: Membership, inbox_id: int) -> str:
    """Replace the webhook secret with a new random one and return it. Webhooks signed with
    the old secret are refused from now on."""
    with transaction.atomic():
        inbox = access_settings_inbox(actor, inbox_id, lock=True)
        if SECRET_SETTING not in inbox.secrets:
            raise ActionError(_("This inbox has no webhook secret."))
        secret = secrets.token_urlsafe(32)
        inbox.secrets = {**inbox.secrets, SECRET_SETTING: secret}
        inbox.save(update_fields=["secrets"])
        record(actor, "inbox.secret_rotated", inbox=inbox.pk)
    return secret


def check_set_inbox_active(actor: Membership, inbox_id: int, active: bool) -> Inbox:
    """Deactivate an inbox (or bring it back); its conversations and history stay."""
    with transaction.atomic():
        inbox = access_settings_inbox(actor, inbox_id, lock=True)
        if inbox.is_active != active:
            inbox.is_active = active
            inbox.save(update_fields=["is_active"])
            record(actor, "inbox.activated" if active else "inbox.deactivated", inbox=inbox.pk)
    return inbox


def check_create_inbox(
    actor: Membership,
    kind: str,
    name: str,
    options: dict[str, str],
    languages: list[str],
    team_id: int | None,
    reopen_grace_hours: int = 168,
) -> Inbox:
    """Add an inbox through the connectors' action, with its team, and audit it."""
    _check_grace(reopen_grace_hours)
    with transaction.atomic():
        team = _team(actor, team_id)
        inbox = check_add_inbox(
            actor, kind, name, {k: v for k, v in options.items() if v}, languages
        )
        if team is not None or reopen_grace_hours != inbox.reopen_grace_hours:
            inbox.team, inbox.reopen_grace_hours = team, reopen_grace_hours
            inbox.save(update_fields=["team", "reopen_grace_hours"])
        record(actor, "inbox.created", inbox=inbox.pk, kind=kind, name=inbox.name)
    return inbox
