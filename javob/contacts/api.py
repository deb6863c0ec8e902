"""REST endpoints for contacts: list and search, detail, create, update, merge."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from javob.accounts.models import Membership
from javob.contacts.actions import (
    access_contact,
    check_create_contact,
    check_merge_contacts,
    check_update_contact,
)
from javob.contacts.models import Contact, ContactIdentity
from javob.contacts.schemas import (
    ContactConversationOut,
    ContactDetailOut,
    ContactIn,
    ContactMergeIn,
    ContactOut,
    ContactPage,
    ContactPatch,
    ContactQuery,
)
from javob.conversations.queries import visible_conversations
from javob.core.api_auth import ERRORS, MAX_ID, Id, actor, field_names
from javob.core.errors import ActionError

router = Router(tags=["contacts"])
DETAIL_CONVERSATIONS = 100


def contacts(member: Membership, text: str | None) -> QuerySet[Contact]:
    """Contacts of the workspace that were not merged away, optionally matching `text`."""
    query = Contact.objects.filter(workspace_id=member.workspace_id, merged_into__isnull=True)
    if text and text.strip():
        text = text.strip()
        by_identity = ContactIdentity.objects.filter(
            workspace_id=member.workspace_id, value__icontains=text
        )
        query = query.filter(Q(name__icontains=text) | Q(pk__in=by_identity.values("contact_id")))
    return query


def decode_contact_cursor(cursor: str) -> int:
    if not cursor.isascii() or not cursor.isdigit() or not 0 < int(cursor) <= MAX_ID:
        raise ActionError(_("Invalid cursor."), field="cursor")
    return int(cursor)


@router.get(
    "/contacts",
    response={200: ContactPage, **ERRORS},
    summary="List or search contacts, newest first",
)
def list_contacts(request: HttpRequest, params: Query[ContactQuery]) -> ContactPage:
    query = contacts(actor(request), params.q).prefetch_related("identities").order_by("-id")
    if params.cursor:
        query = query.filter(pk__lt=decode_contact_cursor(params.cursor))
    rows = list(query[: params.limit + 1])
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    next_cursor = str(rows[-1].pk) if more else None
    return ContactPage(items=[ContactOut.of(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/contacts/{contact_id}",
    response={200: ContactDetailOut, **ERRORS},
    summary="A contact and its conversations",
)
def get_contact(request: HttpRequest, contact_id: Id) -> ContactDetailOut:
    member = actor(request)
    contact = access_contact(member, contact_id)
    conversations = visible_conversations(member).filter(contact=contact)
    recent = conversations.order_by("-last_activity_at", "-id")[:DETAIL_CONVERSATIONS]
    return ContactDetailOut(
        **ContactOut.of(contact).model_dump(),
        conversations=[
            ContactConversationOut.model_validate(c, from_attributes=True) for c in recent
        ],
    )


@router.post("/contacts", response={201: ContactOut, **ERRORS}, summary="Create a contact")
def create_contact(request: HttpRequest, data: ContactIn) -> Status[ContactOut]:
    contact = check_create_contact(actor(request), data.to_input())
    return Status(201, ContactOut.of(contact))


@router.patch(
    "/contacts/{contact_id}", response={200: ContactOut, **ERRORS}, summary="Update a contact"
)
def update_contact(request: HttpRequest, contact_id: Id, data: ContactPatch) -> ContactOut:
    contact = check_update_contact(actor(request), contact_id, data.to_input())
    return ContactOut.of(contact)


@router.post(
    "/contacts/{contact_id}/merge",
    response={200: ContactOut, **ERRORS},
    summary="Merge this contact into another (supervisors, admins, owners)",
    description="Every identity and conversation of this contact moves to `into`, which "
    "is returned; this one then points to it and leaves the lists.",
)
def merge_contact(request: HttpRequest, contact_id: Id, data: ContactMergeIn) -> ContactOut:
    member = actor(request)
    with field_names({"source_id": "contact_id", "target_id": "into"}):
        target = check_merge_contacts(member, contact_id, data.into)
    return ContactOut.of(target)
