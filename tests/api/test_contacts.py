"""Contacts through the API: list, search, pagination, detail, create, update and merge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from conftest import Cast
from javob.contacts.actions import ContactInput, check_create_contact
from javob.contacts.models import Contact, ContactMerge
from javob.core.types import Identity
from tests.api.conftest import ApiClient, receive

pytestmark = pytest.mark.django_db


def make_contact(cast: Cast, name: str, *identities: tuple[str, str]) -> Contact:
    data = ContactInput(name=name, identities=tuple(Identity(k, v) for k, v in identities))
    return check_create_contact(cast.alice, data)


def ids(answer: Any) -> list[int]:
    return [row["id"] for row in answer.body["items"]]


def test_list_is_newest_first_and_search_covers_names_and_identities(
    cast: Cast, alice: ApiClient
) -> None:
    # given three contacts
    dilnoza = make_contact(cast, "Dilnoza Karimova", ("email", "dilnoza@example.uz"))
    sardor = make_contact(cast, "Сардор", ("phone", "+998901112233"))
    anna = make_contact(cast, "Anna", ("telegram", "anna_k"))
    # when alice lists and searches
    everyone = alice.get("/contacts")
    by_name = alice.get("/contacts", {"q": "karim"})
    # (SQLite folds the case of ASCII letters only, so the Cyrillic query keeps its case)
    by_cyrillic = alice.get("/contacts", {"q": "Сард"})
    by_identity = alice.get("/contacts", {"q": "ANNA_K"})
    by_phone = alice.get("/contacts", {"q": "99890111"})
    # then each answer holds exactly the matching contacts, newest first
    assert ids(everyone) == [anna.pk, sardor.pk, dilnoza.pk]
    assert (ids(by_name), ids(by_cyrillic), ids(by_identity), ids(by_phone)) == (
        [dilnoza.pk],
        [sardor.pk],
        [anna.pk],
        [sardor.pk],
    )
    assert everyone.body["items"][2]["identities"] == [
        {"kind": "email", "value": "dilnoza@example.uz"}
    ]


def test_pages_walk_every_contact_once(
    cast: Cast, alice: ApiClient, django_assert_num_queries: Callable[..., Any]
) -> None:
    # given 23 contacts with an identity each
    created = [make_contact(cast, f"C{n}", ("web", f"visitor-{n}")).pk for n in range(23)]
    alice.get("/me")
    # when alice walks pages of 10, each in the same number of queries
    pages, cursor = [], None
    while True:
        with django_assert_num_queries(3):  # token, page, identities
            answer = alice.get("/contacts", {"limit": 10, **({"cursor": cursor} if cursor else {})})
        pages.append(ids(answer))
        cursor = answer.body["next_cursor"]
        if cursor is None:
            break
    # then the pages hold every contact once, newest first
    newest = list(reversed(created))
    assert pages == [newest[:10], newest[10:20], newest[20:]]


def test_detail_lists_identities_and_conversations(cast: Cast, alice: ApiClient) -> None:
    # given a contact with two conversations in two threads
    first = receive(cast.inbox_a.pk, "detail-1").conversation
    contact_id = first.contact_id
    answer = alice.get(f"/contacts/{contact_id}")
    # then the detail has its identity and conversation
    assert answer.status == 200
    assert answer.body["identities"] == [{"kind": "api", "value": "detail-1"}]
    assert [(c["id"], c["status"], c["inbox_id"]) for c in answer.body["conversations"]] == [
        (first.pk, "open", cast.inbox_a.pk)
    ]


def test_create_normalises_identities(cast: Cast, alice: ApiClient) -> None:
    body = {
        "name": "Jasur",
        "locale": "uz",
        "time_zone": "Asia/Tashkent",
        "country": "uz",
        "custom_attributes": {"plan": "gold"},
        "identities": [
            {"kind": "email", "value": " Jasur@Example.UZ "},
            {"kind": "phone", "value": "00998 (90) 765-43-21"},
        ],
    }
    answer = alice.post("/contacts", body)
    contact = Contact.objects.get(pk=answer.body["id"])
    assert answer.status == 201
    assert answer.body["identities"] == [
        {"kind": "email", "value": "jasur@example.uz"},
        {"kind": "phone", "value": "+998907654321"},
    ]
    assert (
        contact.workspace_id,
        contact.country,
        contact.time_zone,
        contact.custom_attributes,
    ) == (
        cast.a.pk,
        "UZ",
        "Asia/Tashkent",
        {"plan": "gold"},
    )


def test_patch_changes_given_fields_only(cast: Cast, alice: ApiClient) -> None:
    contact = make_contact(cast, "Old name", ("email", "x@example.com"))
    Contact.objects.filter(pk=contact.pk).update(locale="ru", custom_attributes={"a": 1})
    answer = alice.patch(
        f"/contacts/{contact.pk}",
        {
            "name": "New name",
            "custom_attributes": {"b": 2},
            "identities": [{"kind": "x", "value": "@NewName"}],
        },
    )
    assert answer.status == 200
    assert (answer.body["name"], answer.body["locale"], answer.body["custom_attributes"]) == (
        "New name",
        "ru",
        {"a": 1, "b": 2},
    )
    assert answer.body["identities"] == [
        {"kind": "email", "value": "x@example.com"},
        {"kind": "x", "value": "@newname"},
    ]


def test_identity_of_another_contact_is_a_conflict(cast: Cast, alice: ApiClient) -> None:
    make_contact(cast, "Owner", ("email", "taken@example.com"))
    other = make_contact(cast, "Other")
    created = alice.post(
        "/contacts", {"identities": [{"kind": "email", "value": "TAKEN@example.com"}]}
    )
    patched = alice.patch(
        f"/contacts/{other.pk}", {"identities": [{"kind": "email", "value": "taken@example.com"}]}
    )
    assert (created.status, created.body["field"]) == (409, "identities")
    assert (patched.status, patched.body["field"]) == (409, "identities")
    assert Contact.objects.filter(workspace=cast.a).count() == 2


def test_merge_moves_identities_and_conversations_and_leaves_the_list(
    cast: Cast, alice: ApiClient
) -> None:
    # given the same person known twice
    source_conversation = receive(cast.inbox_a.pk, "twin-1").conversation
    source = source_conversation.contact
    target = make_contact(cast, "Twin", ("email", "twin@example.com"))
    # when alice merges the first into the second
    answer = alice.post(f"/contacts/{source.pk}/merge", {"into": target.pk})
    # then the target has both identities and the conversation, and the source left the list
    assert (answer.status, answer.body["id"]) == (200, target.pk)
    assert answer.body["identities"] == [
        {"kind": "api", "value": "twin-1"},
        {"kind": "email", "value": "twin@example.com"},
    ]
    assert [c["id"] for c in alice.get(f"/contacts/{target.pk}").body["conversations"]] == [
        source_conversation.pk
    ]
    assert ids(alice.get("/contacts")) == [target.pk]
    assert alice.get(f"/contacts/{source.pk}").body["merged_into_id"] == target.pk
    assert ContactMerge.objects.filter(source=source, target=target).count() == 1
    # and merging it again is a conflict
    again = alice.post(f"/contacts/{source.pk}/merge", {"into": target.pk})
    assert again.status == 409
