"""The API channel's REST door: external systems post customer messages and delivery reports.

Unlike provider webhooks, these calls come with an agent's token and are answered after the
message is stored, so the caller learns the conversation it landed in.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from javob.accounts.models import Membership
from javob.connectors.api.connector import to_inbound
from javob.connectors.api.schemas import AppliedOut, InboundIn, InboundOut, StatusIn
from javob.conversations.actions import receive_message
from javob.conversations.delivery import apply_delivery_update
from javob.conversations.models import ChannelKind, Inbox
from javob.conversations.queries import access_inbox
from javob.core.api_auth import ERRORS, Id, actor
from javob.core.errors import ActionError
from javob.core.types import DeliveryUpdate

router = Router(tags=["api channel"])


def access_api_inbox(member: Membership, inbox_id: int) -> Inbox:
    inbox = access_inbox(member, inbox_id)
    if inbox.kind != ChannelKind.API:
        raise ActionError(_("This inbox is not an API channel."), field="inbox_id")
    if not inbox.is_active:
        raise ActionError(_("This inbox is disabled."), field="inbox_id")
    return inbox


@router.post(
    "/inboxes/{inbox_id}/messages",
    response={201: InboundOut, 200: InboundOut, **ERRORS},
    summary="Post a customer message to an API inbox",
    description="201 when stored, 200 with `created: false` when this `id` was posted before "
    "(nothing changes). The message threads like any other channel's.",
)
def post_message(request: HttpRequest, inbox_id: Id, data: InboundIn) -> Status[InboundOut]:
    inbox = access_api_inbox(actor(request), inbox_id)
    received = receive_message(to_inbound(inbox.pk, data))
    message = received.message
    out = InboundOut(
        id=message.pk, conversation_id=message.conversation_id, created=received.created
    )
    return Status(201 if received.created else 200, out)


@router.post(
    "/inboxes/{inbox_id}/statuses",
    response={202: AppliedOut, **ERRORS},
    summary="Report the delivery of an agent reply",
    description="Moves the reply's status forward (delivered, read, or failed with a reason); "
    "a report that would move it back is ignored.",
)
def post_status(request: HttpRequest, inbox_id: Id, data: StatusIn) -> Status[AppliedOut]:
    inbox = access_api_inbox(actor(request), inbox_id)
    update = DeliveryUpdate(inbox.pk, data.message_id, data.status, reason=data.reason)
    return Status(202, AppliedOut(applied=apply_delivery_update(update)))
