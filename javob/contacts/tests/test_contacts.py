from __future__ import annotations

import pytest

from conftest import Cast
from javob.contacts.actions import (
    ContactInput,
    check_create_contact,
    check_merge_contacts,
    check_update_contact,
    normalize_identity,
)
from javob.contacts.models import Contact, ContactIdentity, ContactMerge
from javob.conversations.actions import receive_message
from javob.conversations.models import Conversation, Event
from javob.conversations.tests.factories import inbound
from javob.core.errors import ActionError, Conflict, NotFound, PermissionDenied
from javob.core.types import Identity

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (Identity("email", " Dilnoza@Mail.UZ "), Identity("email", "dilnoza@mail.uz")),
        (Identity("phone", "+998 (90) 123-45-67"), Identity("phone", "+998901234567")),
        (Identity("whatsapp", "00998901234567"), Identity("whatsapp", "+998901234567")),
        (Identity("instagram", "Javob.UZ"), Identity("instagram", "javob.uz")),
        (Identity("telegram", "123456789"), Identity("telegram", "123456789")),
    ],
)
def test_identities_are_normalised(given: Identity, expected: Identity) -> None:
    assert normalize_identity(given) == expected


@pytest.mark.parametrize(
    ("given", "field"),
    [
        (Identity("email", "not-an-email"), "email"),
        (Identity("phone", "call me"), "phone"),
        (Identity("pager", "1"), "kind"),
        (Identity("telegram", "  "), "identities"),
    ],
)
def test_bad_identities_name_the_field(given: Identity, field: str) -> None:
    with pytest.raises(ActionError) as refused:
        normalize_identity(given)
    assert refused.value.field == field


def test_identity_is_unique_within_workspace_not_across(cast: Cast) -> None:
    identity = (Identity("email", "same@example.com"),)
    check_create_contact(cast.alice, ContactInput(name="A", identities=identity))
    with pytest.raises(Conflict):
        check_create_contact(cast.bob, ContactInput(name="A2", identities=identity))
    other = check_create_contact(cast.charlie, ContactInput(name="B", identities=identity))
    assert other.workspace_id == cast.b.pk
    assert ContactIdentity.objects.filter(value="same@example.com").count() == 2


def test_message_from_known_email_resolves_existing_contact(cast: Cast) -> None:
    contact = check_create_contact(
        cast.alice, ContactInput(name="Aziz", identities=(Identity("email", "aziz@example.uz"),))
    )
    message = receive_message(
        inbound(cast.inbox_a.pk, "aziz@example.uz", kind="email", name="")
    ).message
    assert message.sender_contact_id == contact.pk


def test_merge_contacts_moves_identities_and_conversations_and_leaves_trace(cast: Cast) -> None:
    # given the same person as a Telegram contact and as an API contact, each with a conversation
    tg = receive_message(inbound(cast.inbox_a.pk, "tg-1", name="Dilnoza")).message
    api = receive_message(inbound(cast.inbox_a.pk, "api-1", name="")).message
    source, target = tg.sender_contact, api.sender_contact
    assert source is not None
    assert target is not None
    check_update_contact(cast.alice, source.pk, ContactInput(custom_attributes={"vip": True}))
    # when alice merges them
    check_merge_contacts(cast.alice, source.pk, target.pk)
    # then identities and conversations belong to the target, which took the missing name
    target.refresh_from_db()
    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    assert sorted(target.identities.values_list("value", flat=True)) == ["api-1", "tg-1"]
    assert set(Conversation.objects.filter(contact=target).values_list("pk", flat=True)) == {
        tg.conversation_id,
        api.conversation_id,
    }
    assert target.name == "Dilnoza"
    assert target.custom_attributes == {"vip": True}
    trace = ContactMerge.objects.get()
    assert (trace.source_id, trace.target_id, trace.actor_id) == (
        source.pk,
        target.pk,
        cast.alice.pk,
    )
    assert trace.identities == ["api:tg-1"]
    assert Event.objects.filter(kind="contact_merged").count() == 1
    # and the next Telegram message finds the surviving contact
    again = receive_message(inbound(cast.inbox_a.pk, "tg-1")).message
    assert again.sender_contact_id == target.pk


def test_plain_agent_cannot_merge_contacts_and_nothing_changes(cast: Cast) -> None:
    one = check_create_contact(cast.alice, ContactInput(name="One"))
    two = check_create_contact(cast.alice, ContactInput(name="Two"))
    with pytest.raises(PermissionDenied):
        check_merge_contacts(cast.bob, one.pk, two.pk)
    with pytest.raises(NotFound):
        check_merge_contacts(cast.charlie, one.pk, two.pk)
    assert Contact.objects.filter(merged_into__isnull=False).count() == 0
    assert ContactMerge.objects.count() == 0


def test_update_contact_validates_fields(cast: Cast) -> None:
    contact = check_create_contact(cast.alice, ContactInput(name="X"))
    for data, field in [
        (ContactInput(time_zone="Mars/Base"), "time_zone"),
        (ContactInput(country="Uzbekistan"), "country"),
        (ContactInput(locale="uzbek!"), "locale"),
    ]:
        with pytest.raises(ActionError) as refused:
            check_update_contact(cast.alice, contact.pk, data)
        assert refused.value.field == field
    updated = check_update_contact(
        cast.alice,
        contact.pk,
        ContactInput(time_zone="Asia/Tashkent", country="uz", locale="uz-Cyrl"),
    )
    assert (updated.time_zone, updated.country, updated.locale) == (
        "Asia/Tashkent",
        "UZ",
        "uz-Cyrl",
    )
