from django.test import Client

from conftest import Cast
from javob.conversations.actions import check_set_labels, receive_message
from javob.conversations.models import Event, EventKind, Label
from javob.conversations.tests.factories import inbound
from javob.web.settings_pages.tests.support import snapshot, table_rows


def labels(cast: Cast) -> list[tuple[str, str]]:
    return list(
        Label.objects.filter(workspace=cast.a).order_by("name").values_list("name", "color")
    )


def test_an_admin_creates_renames_and_recolours_a_label(cast: Cast, alice: Client) -> None:
    created = alice.post("/settings/labels/", {"name": "VIP", "color": "#B91C1C"})
    label = Label.objects.get(workspace=cast.a, name="VIP")
    edited = alice.post(
        f"/settings/labels/{label.pk}/", {"name": "Key account", "color": "#1d4ed8"}
    )

    assert (created.status_code, edited.status_code) == (302, 302)
    assert labels(cast) == [("Key account", "#1d4ed8")]
    assert table_rows(alice.get("/settings/labels/")) == [["Key account", "#1d4ed8", "0", "Edit"]]


def test_label_errors_are_shown_next_to_their_fields(cast: Cast, alice: Client) -> None:
    Label.objects.create(workspace=cast.a, name="VIP")
    before = snapshot()

    taken = alice.post("/settings/labels/", {"name": "VIP", "color": "#000000"})
    bad_colour = alice.post("/settings/labels/", {"name": "Refund", "color": "red"})

    assert taken.context["form"].errors == {"name": ["A label with this name exists."]}
    assert bad_colour.context["form"].errors == {"color": ["A colour looks like #1d4ed8."]}
    assert snapshot() == before


def test_deleting_a_label_removes_it_from_conversations_with_a_timeline_event(
    cast: Cast, alice: Client
) -> None:
    conversation_id = receive_message(inbound(cast.inbox_a.pk)).message.conversation_id
    check_set_labels(cast.alice, conversation_id, ["VIP", "refund"])
    vip = Label.objects.get(workspace=cast.a, name="VIP")

    response = alice.post(f"/settings/labels/{vip.pk}/delete/")

    assert response.status_code == 302
    assert labels(cast) == [("refund", "#64748b")]
    last = Event.objects.filter(conversation_id=conversation_id).latest("id")
    assert (last.kind, last.actor_id, last.data) == (
        EventKind.LABELS,
        cast.alice.pk,
        {"added": [], "removed": ["VIP"]},
    )
