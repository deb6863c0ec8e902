from __future__ import annotations

import pytest

from conftest import Cast
from javob.conversations import hooks
from javob.conversations.actions import check_assign, check_change_status, receive_message
from javob.conversations.models import Event, Status
from javob.conversations.queries import viewer_ids
from javob.conversations.tests.factories import inbound
from javob.sla.sweep import Viewers

pytestmark = pytest.mark.django_db
seen: list[str] = []


def broken(event: Event) -> None:
    Event.objects.filter(pk=event.pk).update(data={"tampered": True})
    raise RuntimeError("boom")


def watcher(event: Event) -> None:
    seen.append(event.kind)


def test_a_failing_hook_is_rolled_back_alone_and_the_change_stays(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    seen.clear()
    here = __name__
    monkeypatch.setattr(hooks, "AFTER_EVENT", {"status": (f"{here}.broken", f"{here}.watcher")})
    conversation = receive_message(inbound(cast.inbox_a.pk)).message.conversation

    check_change_status(cast.alice, conversation.pk, Status.PENDING)

    conversation.refresh_from_db()
    assert conversation.status == Status.PENDING
    change = Event.objects.get(conversation=conversation, kind="status")
    assert change.data == {"from": "open", "to": "pending"}
    assert seen == ["status"]
    assert f"hook {here}.broken failed for event {change.pk}" in caplog.text


def test_sweep_recipients_are_the_conversations_viewers(cast: Cast) -> None:
    plain = receive_message(inbound(cast.inbox_a.pk, "a")).message.conversation
    support = receive_message(inbound(cast.inbox_a.pk, "b")).message.conversation
    check_assign(cast.alice, support.pk, team_id=cast.support.pk)
    assigned = receive_message(inbound(cast.inbox_a.pk, "c")).message.conversation
    check_assign(cast.alice, assigned.pk, team_id=cast.support.pk, assignee_id=cast.bob.pk)
    viewers = Viewers()

    for conversation in (plain, support, assigned):
        conversation.refresh_from_db()
        key = (conversation.workspace_id, conversation.team_id, conversation.assignee_id)
        assert viewers.of(*key) == viewer_ids(conversation)
    assert cast.bob.pk in viewers.of(cast.a.pk, cast.support.pk, cast.bob.pk)
    assert cast.bob.pk not in viewers.of(cast.a.pk, cast.support.pk, None)
