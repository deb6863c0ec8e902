from __future__ import annotations

import pytest

from conftest import Cast
from javob.automation.actions import (
    CannedInput,
    check_delete_canned,
    check_save_canned,
    check_use_canned,
)
from javob.automation.models import CannedResponse
from javob.automation.queries import access_canned, canned_for, render_canned
from javob.automation.tests.support import conversation
from javob.conversations.models import Conversation
from javob.core.errors import ActionError, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db


def shared(cast: Cast, shortcut: str = "thanks", title: str = "Thank you") -> CannedResponse:
    return check_save_canned(
        cast.alice,
        CannedInput(
            shortcut=shortcut,
            title=title,
            bodies={
                "en": "Thanks, {{contact.first_name}}!",
                "ru": "Спасибо, {{contact.first_name}}!",
            },
        ),
    )


def test_admin_saves_a_shared_canned_response(cast: Cast) -> None:
    canned = shared(cast)

    row = CannedResponse.objects.get()
    assert (row.pk, row.shortcut, row.visibility, row.owner_id) == (
        canned.pk,
        "thanks",
        "shared",
        None,
    )
    assert row.bodies == {
        "en": "Thanks, {{contact.first_name}}!",
        "ru": "Спасибо, {{contact.first_name}}!",
    }


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (CannedInput("two words", "T", {"en": "x"}), "shortcut"),
        (CannedInput("ok", "  ", {"en": "x"}), "title"),
        (CannedInput("ok", "T", {"ru": "x"}), "bodies"),  # no body in the fallback language
        (CannedInput("ok", "T", {"en": "Hi {{contact.surname}}"}), "bodies"),
        (CannedInput("ok", "T", {"english": "x", "en": "y"}), "bodies"),
        (CannedInput("ok", "T", {"en": "x"}, visibility="team"), "visibility"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(
    cast: Cast, data: CannedInput, field: str
) -> None:
    with pytest.raises(ActionError) as refused:
        check_save_canned(cast.alice, data)
    assert refused.value.field == field
    assert CannedResponse.objects.count() == 0


def test_unknown_variables_are_named_in_the_error(cast: Cast) -> None:
    with pytest.raises(ActionError) as refused:
        check_save_canned(cast.alice, CannedInput("x", "X", {"en": "{{order.id}} {{contact.age}}"}))
    assert refused.value.message == "Unknown variables: order.id, contact.age"


def test_a_shortcut_is_unique_among_what_the_agent_sees(cast: Cast) -> None:
    shared(cast)
    with pytest.raises(ActionError) as refused:
        check_save_canned(
            cast.bob, CannedInput("thanks", "Mine", {"en": "x"}, visibility="personal")
        )
    assert refused.value.field == "shortcut"
    # another workspace may use the same shortcut
    check_save_canned(cast.charlie, CannedInput("thanks", "B", {"en": "x"}))
    assert CannedResponse.objects.count() == 2


def test_bob_keeps_personal_ones_but_cannot_write_shared_ones(cast: Cast) -> None:
    canned = shared(cast)
    with pytest.raises(PermissionDenied):
        check_save_canned(cast.bob, CannedInput("bob", "Bob", {"en": "x"}))
    with pytest.raises(PermissionDenied):
        check_delete_canned(cast.bob, canned.pk)
    mine = check_save_canned(
        cast.bob, CannedInput("bob", "Bob", {"en": "x"}, visibility="personal")
    )
    assert mine.owner_id == cast.bob.pk
    assert CannedResponse.objects.count() == 2


def test_personal_ones_are_seen_by_their_owner_only(cast: Cast) -> None:
    mine = check_save_canned(
        cast.bob, CannedInput("bob", "Bob", {"en": "x"}, visibility="personal")
    )
    shared(cast)

    assert [c.shortcut for c in canned_for(cast.bob, "")] == ["bob", "thanks"]
    assert [c.shortcut for c in canned_for(cast.alice, "")] == ["thanks"]
    assert canned_for(cast.charlie, "") == []
    with pytest.raises(NotFound):
        access_canned(cast.alice, mine.pk)
    with pytest.raises(NotFound):
        access_canned(cast.charlie, mine.pk)


def test_search_by_shortcut_prefix_first_then_title(cast: Cast) -> None:
    shared(cast, "refund", "Money back")
    shared(cast, "ship", "Refund after shipping")
    shared(cast, "hello", "Greeting")

    assert [c.shortcut for c in canned_for(cast.alice, "/ref")] == ["refund", "ship"]
    assert [c.shortcut for c in canned_for(cast.alice, "GREET")] == ["hello"]
    assert canned_for(cast.alice, "nothing") == []


def test_render_for_the_conversation_language_and_count_uses(cast: Cast) -> None:
    canned = shared(cast)
    talk = conversation(cast.inbox_a.pk)
    Conversation.objects.filter(pk=talk.pk).update(language="ru")
    talk.refresh_from_db()

    assert render_canned(canned, talk, cast.alice) == "Спасибо, Dilnoza!"
    assert check_use_canned(cast.alice, canned.pk, talk.pk) == "Спасибо, Dilnoza!"
    assert check_use_canned(cast.alice, canned.pk, talk.pk) == "Спасибо, Dilnoza!"
    canned.refresh_from_db()
    assert canned.usage_count == 2


def test_render_falls_back_to_the_workspace_language(cast: Cast) -> None:
    canned = shared(cast)
    talk = conversation(cast.inbox_a.pk)

    assert render_canned(canned, talk, cast.alice) == "Thanks, Dilnoza!"


def test_charlie_cannot_use_a_canned_response_of_workspace_a(cast: Cast) -> None:
    canned = shared(cast)
    talk = conversation(cast.inbox_a.pk)
    with pytest.raises(NotFound):
        check_use_canned(cast.charlie, canned.pk, talk.pk)
    canned.refresh_from_db()
    assert canned.usage_count == 0
