from __future__ import annotations

import pytest

from conftest import Cast
from javob.conversations.actions import (
    check_add_note,
    check_assign,
    check_merge_conversations,
    check_send_reply,
    check_set_labels,
    check_split_conversation,
    receive_message,
)
from javob.conversations.models import Conversation, Event, Message, Status
from javob.conversations.tests.factories import inbound
from javob.core.errors import ActionError, Conflict, NotFound

pytestmark = pytest.mark.django_db


def _two_conversations(cast: Cast) -> tuple[Conversation, Conversation]:
    one = receive_message(inbound(cast.inbox_a.pk, "c1", "Birinchi")).message.conversation
    two = receive_message(inbound(cast.inbox_a.pk, "c2", "Второй")).message.conversation
    return one, two


def test_merge_moves_messages_and_events_and_points_to_survivor(cast: Cast) -> None:
    # given two conversations, the source with a label and a note
    source, target = _two_conversations(cast)
    check_set_labels(cast.alice, source.pk, ["vip"])
    check_add_note(cast.alice, source.pk, "Eslatma")
    # when alice merges the source into the target
    check_merge_conversations(cast.alice, source.pk, target.pk)
    # then every message and earlier event is on the target, the source points to it, closed
    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    assert source.status == Status.CLOSED
    assert Message.objects.filter(conversation=source).count() == 0
    assert sorted(Message.objects.filter(conversation=target).values_list("text", flat=True)) == [
        "Birinchi",
        "Eslatma",
        "Второй",
    ]
    assert list(target.labels.values_list("name", flat=True)) == ["vip"]
    merged = Event.objects.get(conversation=target, kind="merged")
    assert merged.data == {"source_id": source.pk, "source_number": source.number}
    assert list(Event.objects.filter(conversation=source).values_list("kind", flat=True)) == [
        "status",
        "merged",
    ]


def test_merged_conversation_refuses_replies_and_second_merge(cast: Cast) -> None:
    source, target = _two_conversations(cast)
    check_merge_conversations(cast.alice, source.pk, target.pk)
    with pytest.raises(Conflict):
        check_send_reply(cast.alice, source.pk, "Salom")
    with pytest.raises(Conflict):
        check_merge_conversations(cast.alice, source.pk, target.pk)
    assert Message.objects.filter(direction="outgoing").count() == 0


def test_customer_reply_to_merged_message_lands_in_survivor(cast: Cast) -> None:
    source, target = _two_conversations(cast)
    first = Message.objects.get(conversation=source)
    check_merge_conversations(cast.alice, source.pk, target.pk)
    reply = receive_message(
        inbound(cast.inbox_a.pk, "c1", "Javob", reply_to=(str(first.external_id),))
    ).message
    assert reply.conversation_id == target.pk


def test_merge_into_itself_or_across_workspaces_is_refused(cast: Cast) -> None:
    source, _target = _two_conversations(cast)
    other = receive_message(inbound(cast.inbox_b.pk, "c9")).message.conversation
    with pytest.raises(ActionError) as itself:
        check_merge_conversations(cast.alice, source.pk, source.pk)
    assert itself.value.field == "target_id"
    with pytest.raises(NotFound):
        check_merge_conversations(cast.alice, source.pk, other.pk)
    with pytest.raises(NotFound):
        check_merge_conversations(cast.charlie, other.pk, source.pk)
    assert Conversation.objects.filter(merged_into__isnull=False).count() == 0


def test_split_moves_message_and_what_follows_into_linked_conversation(cast: Cast) -> None:
    # given a conversation of four messages
    first = receive_message(inbound(cast.inbox_a.pk, "c", "1")).message
    conversation = first.conversation
    check_send_reply(cast.alice, conversation.pk, "2")
    third = receive_message(inbound(cast.inbox_a.pk, "c", "3 - boshqa masala")).message
    check_send_reply(cast.alice, conversation.pk, "4")
    # when alice splits from the third
    new = check_split_conversation(cast.alice, third.pk)
    # then messages 3 and 4 moved to a new conversation that points back
    assert new.split_from_id == conversation.pk
    assert new.number == 2
    assert list(new.messages.order_by("created_at", "id").values_list("text", flat=True)) == [
        "3 - boshqa masala",
        "4",
    ]
    assert list(
        conversation.messages.order_by("created_at", "id").values_list("text", flat=True)
    ) == ["1", "2"]
    assert Event.objects.get(conversation=new, kind="split").data["from_id"] == conversation.pk
    assert (
        Event.objects.filter(conversation=new, kind__in=["message_in", "message_out"]).count() == 2
    )


def test_split_from_first_message_is_refused(cast: Cast) -> None:
    first = receive_message(inbound(cast.inbox_a.pk, "c", "1")).message
    with pytest.raises(ActionError) as refused:
        check_split_conversation(cast.alice, first.pk)
    assert refused.value.field == "message_id"
    assert Conversation.objects.count() == 1


def test_agent_of_another_team_cannot_touch_team_conversation(cast: Cast) -> None:
    # given a conversation of alice's team Support
    message = receive_message(inbound(cast.inbox_a.pk, "c")).message
    check_assign(cast.alice, message.conversation_id, team_id=cast.support.pk)
    # when bob (Sales) tries to reply, then it does not exist for him and nothing changed
    with pytest.raises(NotFound):
        check_send_reply(cast.bob, message.conversation_id, "hi")
    with pytest.raises(NotFound):
        check_split_conversation(cast.bob, message.pk)
    assert Message.objects.count() == 1
