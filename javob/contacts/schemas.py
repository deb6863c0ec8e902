"""Shapes of contacts and their identities in the REST API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from ninja import Field, Schema

from javob.contacts.actions import ContactInput
from javob.contacts.models import Contact, ContactIdentity
from javob.core.api_auth import Id, InputSchema
from javob.core.types import Identity

KINDS = "email, phone, telegram, whatsapp, instagram, messenger, x, web or api"


class IdentityOut(Schema):
    kind: str
    value: str


class IdentityIn(InputSchema):
    kind: str = Field(max_length=16, description=KINDS)
    value: str = Field(max_length=320)


class ContactOut(Schema):
    """A customer. A merged contact points to the one it was merged into."""

    id: int
    name: str
    locale: str
    time_zone: str
    country: str
    custom_attributes: dict[str, Any]
    identities: list[IdentityOut]
    merged_into_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @classmethod
    def of(cls, contact: Contact) -> ContactOut:
        """Needs `identities` prefetched to stay at one query per list."""
        return cls(
            id=contact.pk,
            name=contact.name,
            locale=contact.locale,
            time_zone=contact.time_zone,
            country=contact.country,
            custom_attributes=contact.custom_attributes,
            identities=identities_out(contact.identities.all()),
            merged_into_id=contact.merged_into_id,
            created_at=contact.created_at,
            updated_at=contact.updated_at,
        )


def identities_out(rows: Iterable[ContactIdentity]) -> list[IdentityOut]:
    ordered = sorted(rows, key=lambda row: (row.kind, row.value))
    return [IdentityOut(kind=row.kind, value=row.value) for row in ordered]


class ContactConversationOut(Schema):
    id: int
    number: int
    status: str
    subject: str
    inbox_id: int
    last_activity_at: dt.datetime


class ContactDetailOut(ContactOut):
    """A contact with the conversations the caller may see, newest activity first."""

    conversations: list[ContactConversationOut]


class ContactQuery(InputSchema):
    q: str | None = Field(default=None, max_length=200, description="Name or identity value")
    cursor: str | None = Field(default=None, max_length=40)
    limit: int = Field(default=25, ge=1, le=100)


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class ContactIn(InputSchema):
    """A new contact. Identities must not belong to another contact (merge them instead)."""

    name: str = Field(default="", max_length=255)
    locale: str = Field(default="", max_length=16)
    time_zone: str = Field(default="", max_length=64)
    country: str = Field(default="", max_length=2, description="ISO 3166-1 alpha-2")
    custom_attributes: dict[str, Any] = Field(default_factory=dict)
    identities: list[IdentityIn] = Field(default_factory=list, max_length=50)

    def to_input(self) -> ContactInput:
        return _contact_input(self)


class ContactPatch(InputSchema):
    """Fields to change; absent or null fields stay. Identities are added, never removed."""

    name: str | None = Field(default=None, max_length=255)
    locale: str | None = Field(default=None, max_length=16)
    time_zone: str | None = Field(default=None, max_length=64)
    country: str | None = Field(default=None, max_length=2)
    custom_attributes: dict[str, Any] | None = Field(
        default=None, description="Merged into the existing attributes."
    )
    identities: list[IdentityIn] = Field(default_factory=list, max_length=50)

    def to_input(self) -> ContactInput:
        return _contact_input(self)


def _contact_input(data: ContactIn | ContactPatch) -> ContactInput:
    return ContactInput(
        name=data.name,
        locale=data.locale,
        time_zone=data.time_zone,
        country=data.country,
        custom_attributes=data.custom_attributes,
        identities=tuple(Identity(i.kind, i.value) for i in data.identities),
    )


class ContactMergeIn(InputSchema):
    into: Id = Field(description="The contact that survives; this one moves into it.")
