"""Adding and configuring inboxes (channels)."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.accounts.models import Membership, Workspace
from javob.connectors.health import record_error, record_ok
from javob.connectors.models import InboundPayload
from javob.connectors.queries import InboxVersion
from javob.connectors.registry import connector_class, connector_for, has_connector
from javob.conversations.models import ChannelKind, Inbox
from javob.conversations.queries import access_inbox
from javob.core.errors import ActionError, Conflict, PermissionDenied
from javob.core.tasks import enqueue_on_commit
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


def _require_admin(actor: Membership) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only owners and admins can change inboxes."))


def do_add_inbox(
    workspace: Workspace,
    kind: str,
    name: str,
    options: dict[str, str],
    languages: list[str],
    *,
    connect: bool = True,
) -> Inbox:
    """Create an inbox and connect it to its provider.

    Options the connector names as secret_settings are stored encrypted. The inbox is saved
    and committed first (the provider may call its webhook at once), then the connector's
    `activate()` registers it; when that fails the inbox is deleted again and the provider's
    reason is raised as an ActionError, so no half-connected inbox is left behind.

    `connect=False` stores the inbox without its connector's checks and without calling the
    provider: for demo data and imports, where there is no provider to reach.
    """
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
    connected = connect and has_connector(kind)
    if has_connector(kind):
        secret_names = connector_class(kind).secret_settings
    if connected:
        connector = connector_class(kind)
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
    if connected:
        connector_class(kind)(inbox).setup()
    with transaction.atomic():
        inbox.save()
    if connected:
        try:
            connector_for(inbox).activate()
        except Exception:
            inbox.delete()
            raise
    return inbox


def check_deactivate_inbox(actor: Membership, inbox_id: int) -> str:
    _require_admin(actor)
    return do_deactivate_inbox(access_inbox(actor, inbox_id))


def do_deactivate_inbox(inbox: Inbox) -> str:
    """Switch an inbox off: its webhook answers 404 and the provider is told to stop calling.

    The inbox is switched off even when the provider cannot be reached (a revoked token must
    not keep an inbox on); the provider's reason is then returned, and kept as its health.
    """
    Inbox.objects.filter(pk=inbox.pk).update(is_active=False)
    inbox.is_active = False
    if not has_connector(inbox.kind):
        return ""
    try:
        connector_for(inbox).deactivate()
    except ActionError as exc:
        record_error(inbox, "deactivate", exc.message)
        return exc.message
    record_ok(inbox)
    return ""


def check_activate_inbox(actor: Membership, inbox_id: int) -> Inbox:
    _require_admin(actor)
    return do_activate_inbox(access_inbox(actor, inbox_id))


def do_activate_inbox(inbox: Inbox) -> Inbox:
    """Switch an inbox back on and reconnect it; on failure it stays off and the reason is
    raised as an ActionError."""
    if has_connector(inbox.kind):
        try:
            connector_for(inbox).activate()
        except ActionError as exc:
            record_error(inbox, "activate", exc.message)
            raise
        record_ok(inbox)
    Inbox.objects.filter(pk=inbox.pk).update(is_active=True)
    inbox.is_active = True
    return inbox


def check_remove_inbox(actor: Membership, inbox_id: int) -> str:
    _require_admin(actor)
    return do_remove_inbox(access_inbox(actor, inbox_id))


def do_remove_inbox(inbox: Inbox) -> str:
    """Disconnect and delete an inbox that holds no conversations (one that does is kept for
    its history: deactivate it instead). Returns the provider's reason if disconnecting failed."""
    if inbox.conversations.exists():
        raise Conflict(
            _("This inbox holds conversations; deactivate it instead of removing it."),
            field="inbox_id",
        )
    warning = do_deactivate_inbox(inbox) if inbox.is_active else ""
    inbox.delete()
    return warning


def store_payload(
    inbox: Inbox,
    provider_id: str | None,
    body: bytes,
    headers: dict[str, str],
    *,
    version: InboxVersion | None = None,
) -> int | None:
    """Keep a verified webhook body and queue its parsing; None when the provider already
    delivered this one (or, with `version`, when the inbox is no longer that version).

    The unique constraint on (inbox, provider id) decides, so a new delivery costs one insert
    and no lookup. With the database task queue the payload row is the queue entry (workers
    claim pending payloads, see `tasks.run_payload_worker`); other queues get a task after
    commit.

    With `version` (the webhook door's cached inbox) the insert only happens while the inbox
    is active and unchanged since the signature was checked against it: switching an inbox
    off or rotating its secret takes effect at once, without reading the inbox per webhook.
    """
    from javob.connectors.tasks import claims_pending_payloads, process_payload

    queue_task = not claims_pending_payloads()
    if version is not None:
        # One statement, committed by itself (no BEGIN/COMMIT round trips); a task for it is
        # queued after that commit.
        payload_id = _insert_if_current(version, provider_id, body, headers)
        if payload_id is not None and queue_task:
            enqueue_on_commit(process_payload, payload_id)
        return payload_id
    try:
        with transaction.atomic():
            payload_id = InboundPayload.objects.create(
                workspace_id=inbox.workspace_id,
                inbox=inbox,
                provider_id=provider_id,
                body=body,
                headers=headers,
            ).pk
            if queue_task:
                enqueue_on_commit(process_payload, payload_id)
    except IntegrityError:
        return None
    return payload_id


def _insert_if_current(
    version: InboxVersion, provider_id: str | None, body: bytes, headers: dict[str, str]
) -> int | None:
    """One statement: insert the payload if the inbox still is `version`, unless the provider
    id is already stored. The same SQL on PostgreSQL and SQLite (>= 3.35 for RETURNING)."""
    connection = connections[InboundPayload.objects.db]

    def field(name: str) -> Field[Any, Any]:
        return cast("Field[Any, Any]", InboundPayload._meta.get_field(name))

    quote = connection.ops.quote_name
    given = {
        "provider_id": provider_id,
        "body": field("body").get_db_prep_value(body, connection),
        "headers": field("headers").get_db_prep_value(headers, connection),
        "received_at": field("received_at").get_db_prep_value(timezone.now(), connection),
        "attempts": 0,
        "error": "",
        "ignored": "",
    }
    columns = ", ".join(quote(name) for name in ["workspace_id", "inbox_id", *given])
    # Only quoted identifiers from the models are formatted in; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(InboundPayload._meta.db_table)} ({columns}) "  # noqa: S608
        f"SELECT workspace_id, id, {', '.join(['%s'] * len(given))} "
        f"FROM {quote(Inbox._meta.db_table)} "
        "WHERE id = %s AND kind = %s AND is_active = %s AND secrets = %s "
        "AND CAST(settings AS TEXT) = %s "
        "ON CONFLICT DO NOTHING RETURNING id"
    )
    params = [*given.values(), version.inbox_id, version.kind, True]
    params += [version.secrets, version.settings]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return int(row[0]) if row else None
