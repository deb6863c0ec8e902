"""Adding and configuring inboxes (channels)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from javob.accounts.models import Membership, Workspace
from javob.connectors.models import InboundPayload
from javob.connectors.registry import connector_class, has_connector
from javob.conversations.models import ChannelKind, Inbox
from javob.core.errors import ActionError, PermissionDenied
from javob.core.validation import check_language_codes


def webhook_url(inbox: Inbox) -> str:
    return f"{settings.JAVOB_PUBLIC_URL}/hooks/{inbox.kind}/{inbox.pk}"


def check_add_inbox(
    actor: Membership,
    kind: str,
    name: str,
    options: dict[str, str],
    languages: list[str] | None = None,
) -> Inbox:
    if not actor.is_admin:
        raise PermissionDenied(_("Only owners and admins can add inboxes."))
    return do_add_inbox(actor.workspace, kind, name, options, languages or [])


def do_add_inbox(
    workspace: Workspace, kind: str, name: str, options: dict[str, str], languages: list[str]
) -> Inbox:
    """Create an inbox. Options the connector names as secret_settings are stored encrypted."""
    if kind not in ChannelKind.values:
        raise ActionError(
            _("Unknown channel %(kind)s; use one of: %(kinds)s")
            % {"kind": kind, "kinds": ", ".join(ChannelKind.values)},
            field="kind",
        )
    name = name.strip()
    if not name:
        raise ActionError(_("An inbox needs a name."), field="name")
    check_language_codes(languages)
    secret_names: tuple[str, ...] = ()
    if has_connector(kind):
        connector = connector_class(kind)
        secret_names = connector.secret_settings
        missing = [key for key in connector.required_settings if not options.get(key)]
        if missing:
            raise ActionError(
                _("Missing setting: %(names)s") % {"names": ", ".join(missing)}, field=missing[0]
            )
    inbox = Inbox(
        workspace=workspace,
        kind=kind,
        name=name[:200],
        languages=languages,
        settings={k: v for k, v in options.items() if k not in secret_names},
        secrets={k: v for k, v in options.items() if k in secret_names},
    )
    if has_connector(kind):
        connector_class(kind)(inbox).setup()
    with transaction.atomic():
        inbox.save()
    return inbox


def store_payload(
    inbox: Inbox, provider_id: str | None, body: bytes, headers: dict[str, str]
) -> int | None:
    """Keep a verified webhook body; None when the provider already delivered this one."""
    if provider_id and InboundPayload.objects.filter(inbox=inbox, provider_id=provider_id).exists():
        return None
    from django.db import IntegrityError

    try:
        with transaction.atomic():
            payload = InboundPayload.objects.create(
                workspace_id=inbox.workspace_id,
                inbox=inbox,
                provider_id=provider_id,
                body=body,
                headers=headers,
            )
    except IntegrityError:
        return None
    return payload.pk
