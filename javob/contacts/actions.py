"""Every write to contacts and their identities."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from javob.accounts.models import Membership
from javob.contacts.models import Contact, ContactIdentity, ContactMerge, IdentityKind
from javob.core.errors import ActionError, Conflict, NotFound, PermissionDenied
from javob.core.types import Identity, InboundMessage
from javob.core.validation import check_language_code, check_time_zone

_PHONE_CHARS = re.compile(r"[\s\-().]")


def normalize_identity(identity: Identity) -> Identity:
    """The canonical form under which an identity is unique (case, phone punctuation)."""
    kind, value = identity.kind, identity.value.strip()
    if kind not in IdentityKind.values:
        raise ActionError(_("Unknown identity kind: %(kind)s") % {"kind": kind}, field="kind")
    if kind == IdentityKind.EMAIL:
        value = value.lower()
        if "@" not in value:
            raise ActionError(_("Enter a valid email address."), field="email")
    elif kind in (IdentityKind.PHONE, IdentityKind.WHATSAPP):
        value = _PHONE_CHARS.sub("", value)
        if value.startswith("00"):
            value = "+" + value[2:]
        if not re.fullmatch(r"\+?\d{5,16}", value):
            raise ActionError(_("Enter a valid phone number."), field="phone")
    elif kind in (IdentityKind.INSTAGRAM, IdentityKind.X):
        value = value.lower()
    if not value or len(value) > 320:
        raise ActionError(_("An identity needs a value."), field="identities")
    return Identity(kind, value)


def resolve_contact(workspace_id: int, inbound: InboundMessage) -> tuple[Contact, bool]:
    """The contact behind an inbound message's sender, locked for this transaction, and
    whether it was created now (with its identities).

    The lock makes one writer per contact at a time, so two messages of a new thread open one
    conversation; on SQLite the write transaction itself serialises.
    """
    sender = normalize_identity(inbound.sender)
    found = (
        ContactIdentity.objects.select_related("contact")
        .select_for_update(of=("contact",))
        .filter(workspace_id=workspace_id, kind=sender.kind, value=sender.value)
        .first()
    )
    if found is not None:
        contact = found.contact
        if contact.merged_into_id is not None:
            # Merged while we waited for the lock: the identity now belongs to the survivor.
            contact = Contact.objects.select_for_update().get(pk=contact.merged_into_id)
        if not contact.name and inbound.sender_name:
            contact.name = inbound.sender_name[:255]
            contact.save(update_fields=["name", "updated_at"])
        # Identities learned later (a phone number the customer shares) join the contact
        # unless another contact already holds them.
        for extra in inbound.extra_identities:
            _attach_if_free(workspace_id, contact, normalize_identity(extra))
        return contact, False
    contact = Contact.objects.create(
        workspace_id=workspace_id,
        name=inbound.sender_name[:255],
        locale=inbound.contact_locale[:16],
    )
    ContactIdentity.objects.create(
        workspace_id=workspace_id, contact=contact, kind=sender.kind, value=sender.value
    )
    for extra in inbound.extra_identities:
        _attach_if_free(workspace_id, contact, normalize_identity(extra))
    return contact, True


def _attach_if_free(workspace_id: int, contact: Contact, identity: Identity) -> None:
    taken = ContactIdentity.objects.filter(
        workspace_id=workspace_id, kind=identity.kind, value=identity.value
    ).exists()
    if not taken:
        ContactIdentity.objects.create(
            workspace_id=workspace_id, contact=contact, kind=identity.kind, value=identity.value
        )


@dataclass(frozen=True, slots=True)
class ContactInput:
    name: str | None = None
    locale: str | None = None
    time_zone: str | None = None
    country: str | None = None
    custom_attributes: dict[str, Any] | None = None
    identities: tuple[Identity, ...] = field(default=())


def check_create_contact(actor: Membership, data: ContactInput) -> Contact:
    identities = [normalize_identity(identity) for identity in data.identities]
    with transaction.atomic():
        for identity in identities:
            _refuse_taken(actor.workspace_id, identity)
        contact = Contact(workspace_id=actor.workspace_id)
        _apply(contact, data)
        contact.save()
        for identity in identities:
            ContactIdentity.objects.create(
                workspace_id=actor.workspace_id,
                contact=contact,
                kind=identity.kind,
                value=identity.value,
            )
        return contact


def check_update_contact(actor: Membership, contact_id: int, data: ContactInput) -> Contact:
    identities = [normalize_identity(identity) for identity in data.identities]
    with transaction.atomic():
        contact = access_contact(actor, contact_id, lock=True)
        if contact.merged_into_id is not None:
            raise Conflict(
                _("This contact was merged into #%(id)s; edit that one.")
                % {"id": contact.merged_into_id},
                field="contact_id",
            )
        for identity in identities:
            _refuse_taken(actor.workspace_id, identity, allow_contact=contact.pk)
        _apply(contact, data)
        contact.save()
        for identity in identities:
            ContactIdentity.objects.get_or_create(
                workspace_id=actor.workspace_id,
                kind=identity.kind,
                value=identity.value,
                defaults={"contact": contact},
            )
        return contact


def _refuse_taken(workspace_id: int, identity: Identity, allow_contact: int | None = None) -> None:
    owner = (
        ContactIdentity.objects.filter(
            workspace_id=workspace_id, kind=identity.kind, value=identity.value
        )
        .values_list("contact_id", flat=True)
        .first()
    )
    if owner is not None and owner != allow_contact:
        raise Conflict(
            _("%(identity)s belongs to another contact (#%(id)s); merge them instead.")
            % {"identity": f"{identity.kind}:{identity.value}", "id": owner},
            field="identities",
        )


def _apply(contact: Contact, data: ContactInput) -> None:
    if data.name is not None:
        contact.name = data.name.strip()[:255]
    if data.locale is not None:
        contact.locale = check_language_code(data.locale, field="locale")
    if data.time_zone is not None:
        contact.time_zone = check_time_zone(data.time_zone) if data.time_zone else ""
    if data.country is not None:
        country = data.country.strip().upper()
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            raise ActionError(_("Use a two-letter country code."), field="country")
        contact.country = country
    if data.custom_attributes is not None:
        contact.custom_attributes = {**contact.custom_attributes, **data.custom_attributes}


def access_contact(
    actor: Membership, contact_id: int, *, lock: bool = False, field: str = "contact_id"
) -> Contact:
    query = Contact.objects.filter(workspace_id=actor.workspace_id, pk=contact_id)
    if lock:
        query = query.select_for_update()
    contact = query.first()
    if contact is None:
        raise NotFound(_("No such contact."), field=field)
    return contact


def check_merge_contacts(actor: Membership, source_id: int, target_id: int) -> Contact:
    """Merge `source` into `target`: identities and conversations move, a trace remains."""
    if not actor.sees_everything:
        raise PermissionDenied(_("Only supervisors and admins can merge contacts."))
    if source_id == target_id:
        raise ActionError(_("A contact cannot be merged into itself."), field="target_id")
    with transaction.atomic():
        source = access_contact(actor, source_id, lock=True, field="source_id")
        target = access_contact(actor, target_id, lock=True, field="target_id")
        if source.merged_into_id is not None or target.merged_into_id is not None:
            raise Conflict(_("This contact was already merged."), field="source_id")
        do_merge_contacts(source, target, actor=actor)
        return target


def do_merge_contacts(source: Contact, target: Contact, *, actor: Membership | None) -> None:
    from javob.conversations import events
    from javob.conversations.models import Conversation, EventKind, Message

    identities = [
        f"{kind}:{value}" for kind, value in source.identities.values_list("kind", "value")
    ]
    conversations = list(Conversation.objects.filter(contact=source))
    source.identities.update(contact=target)
    Conversation.objects.filter(contact=source).update(contact=target)
    Message.objects.filter(sender_contact=source).update(sender_contact=target)
    for name in ("name", "locale", "time_zone", "country"):
        if not getattr(target, name) and getattr(source, name):
            setattr(target, name, getattr(source, name))
    target.custom_attributes = {**source.custom_attributes, **target.custom_attributes}
    target.save()
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    ContactMerge.objects.create(
        workspace_id=target.workspace_id,
        source=source,
        target=target,
        actor=actor,
        identities=identities,
        conversations=[c.pk for c in conversations],
    )
    for conversation in conversations:
        conversation.contact = target
        events.append(
            conversation,
            EventKind.CONTACT_MERGED,
            actor=actor,
            data={"source_id": source.pk, "target_id": target.pk},
        )
        events.announce(conversation, "conversation.updated")
