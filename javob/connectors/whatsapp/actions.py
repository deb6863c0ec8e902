"""WhatsApp writes: syncing templates, sending a template, and the customer-service window.

The window: a free-form reply may go out only within 24 hours of the customer's last message.
`can_send_freeform()` and `freeform_window_end()` tell the reply box what to offer;
`check_freeform_allowed()` is the check the reply action calls before it queues anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.accounts.models import Membership
from javob.connectors.meta.common import graph_client
from javob.connectors.meta.graph import GraphError
from javob.connectors.meta.window import check_reply_allowed, window
from javob.connectors.whatsapp import templates
from javob.connectors.whatsapp.models import MessageTemplate, TemplateStatus
from javob.conversations.actions import do_send_reply
from javob.conversations.models import ChannelKind, Conversation, Inbox, Message
from javob.conversations.queries import access_conversation
from javob.core.errors import ActionError, PermissionDenied

MAX_PAGES = 50


def can_send_freeform(conversation: Conversation, now: dt.datetime | None = None) -> bool:
    """True while the 24-hour window since the customer's last message is open."""
    return window(conversation, now or timezone.now()).is_open


def freeform_window_end(conversation: Conversation) -> dt.datetime | None:
    """When the window closes (or closed); None if the customer never wrote."""
    return window(conversation, timezone.now()).ends_at


def check_freeform_allowed(conversation: Conversation, now: dt.datetime | None = None) -> None:
    """Raise ActionError for a free-form reply outside the window: only a template may go."""
    check_reply_allowed(conversation, now)


def check_sync_templates(actor: Membership, inbox_id: int) -> int:
    if not actor.is_admin:
        raise PermissionDenied(_("Only owners and admins can sync templates."))
    inbox = Inbox.objects.filter(pk=inbox_id, workspace_id=actor.workspace_id).first()
    if inbox is None:
        raise ActionError(_("No such inbox."), field="inbox_id")
    return do_sync_templates(inbox)


def do_sync_templates(inbox: Inbox) -> int:
    """Fetch every template of the inbox's business account; return how many were kept.

    Templates gone from the account are deleted here too, so agents never pick one Meta
    would refuse.
    """
    if inbox.kind != ChannelKind.WHATSAPP:
        raise ActionError(_("This inbox is not a WhatsApp inbox."), field="inbox_id")
    waba_id = str(inbox.settings.get("waba_id", ""))
    if not waba_id:
        raise ActionError(_("Set the inbox's waba_id to sync templates."), field="waba_id")
    try:
        rows = _fetch_templates(inbox, waba_id)
    except GraphError as exc:
        raise ActionError(
            _("Meta refused the template list: %(reason)s") % {"reason": exc.reason},
            field="waba_id",
        ) from exc
    now = timezone.now()
    with transaction.atomic():
        kept = [_upsert(inbox, row, now) for row in rows if row.get("name") and row.get("language")]
        MessageTemplate.objects.filter(inbox=inbox).exclude(pk__in=kept).delete()
    return len(kept)


def _fetch_templates(inbox: Inbox, waba_id: str) -> list[dict[str, Any]]:
    client = graph_client(inbox)
    params = {"fields": templates.FIELDS, "limit": "100"}
    rows: list[dict[str, Any]] = []
    for _page in range(MAX_PAGES):
        data = client.get(f"{waba_id}/message_templates", params)
        rows.extend(row for row in data.get("data") or [] if isinstance(row, dict))
        paging = data.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after")
        if not paging.get("next") or not after:
            break
        params = {**params, "after": str(after)}
    return rows


def _upsert(inbox: Inbox, row: dict[str, Any], now: dt.datetime) -> int:
    status = str(row.get("status", "")).upper()
    template, _created = MessageTemplate.objects.update_or_create(
        inbox=inbox,
        name=str(row["name"])[:512],
        language=str(row["language"])[:16],
        defaults={
            "workspace_id": inbox.workspace_id,
            "meta_id": str(row.get("id", ""))[:64],
            "category": str(row.get("category", ""))[:32],
            "status": status if status in TemplateStatus.values else TemplateStatus.OTHER,
            "parameter_format": str(row.get("parameter_format") or "positional").lower()[:16],
            "components": [c for c in row.get("components") or [] if isinstance(c, dict)],
            "synced_at": now,
        },
    )
    return template.pk


def do_set_template_status(inbox: Inbox, update: dict[str, Any]) -> bool:
    """Apply a `message_template_status_update` webhook to the synced template, if we have it."""
    event = str(update.get("event", "")).upper()
    meta_id = str(update.get("message_template_id", ""))
    if not event or not meta_id:
        return False
    status = event if event in TemplateStatus.values else TemplateStatus.OTHER
    changed = MessageTemplate.objects.filter(inbox=inbox, meta_id=meta_id).update(status=status)
    return bool(changed)


def check_send_template(
    actor: Membership, conversation_id: int, template_id: int, values: dict[str, list[str]]
) -> Message:
    """Queue an approved template with its variables filled in; allowed at any time."""
    with transaction.atomic():
        conversation = access_conversation(actor, conversation_id, lock=True)
        if conversation.merged_into_id is not None:
            raise ActionError(
                _("This conversation was merged into another one."), field="conversation_id"
            )
        template = MessageTemplate.objects.filter(
            pk=template_id, inbox_id=conversation.inbox_id
        ).first()
        if template is None:
            raise ActionError(_("No such template for this inbox."), field="template_id")
        if template.status != TemplateStatus.APPROVED:
            raise ActionError(_("Only an approved template can be sent."), field="template_id")
        templates.check_values(template.components, values)
        return do_send_template(conversation, template, values, actor=actor)


def do_send_template(
    conversation: Conversation,
    template: MessageTemplate,
    values: dict[str, list[str]],
    *,
    actor: Membership | None,
) -> Message:
    named = template.parameter_format == "named"
    text = templates.render(template.components, values) or template.name
    message = do_send_reply(conversation, text, actor=actor)
    # Same transaction as the queued message: the delivery task sees both or neither.
    payload = {
        "name": template.name,
        "language": {"code": template.language},
        "components": templates.send_components(template.components, values, named=named),
    }
    message.metadata = {**message.metadata, "whatsapp_template": payload}
    message.save(update_fields=["metadata"])
    return message
