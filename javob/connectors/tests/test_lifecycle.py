"""The generic inbox lifecycle (deactivate, activate, remove) and connection health."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from conftest import Cast
from javob.connectors.actions import (
    check_activate_inbox,
    check_remove_inbox,
    do_add_inbox,
    do_deactivate_inbox,
)
from javob.connectors.health import inbox_health, record_error, record_ok
from javob.connectors.tests.support import customer_conversation, post_signed
from javob.conversations.models import Inbox
from javob.core.errors import Conflict, NotFound, PermissionDenied

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def test_a_deactivated_inbox_refuses_webhooks_and_comes_back(cast: Cast, client: Client) -> None:
    assert do_deactivate_inbox(cast.inbox_a) == ""
    response = post_signed(client, cast.inbox_a, {"id": "m-1", "sender": {"id": "c"}})
    assert response.status_code == 404
    check_activate_inbox(cast.alice, cast.inbox_a.pk)
    assert Inbox.objects.get(pk=cast.inbox_a.pk).is_active is True
    response = post_signed(client, cast.inbox_a, {"id": "m-1", "sender": {"id": "c"}})
    assert response.status_code == 200


def test_removing_needs_an_admin_of_the_workspace_and_an_empty_inbox(cast: Cast) -> None:
    empty = do_add_inbox(cast.a, "api", "Empty", {"webhook_url": "https://h.example.com"}, [])
    customer_conversation(cast.inbox_a)
    with pytest.raises(PermissionDenied):
        check_remove_inbox(cast.bob, empty.pk)
    with pytest.raises(NotFound):
        check_remove_inbox(cast.charlie, empty.pk)
    with pytest.raises(Conflict):
        check_remove_inbox(cast.alice, cast.inbox_a.pk)
    assert Inbox.objects.filter(pk__in=[empty.pk, cast.inbox_a.pk]).count() == 2
    assert check_remove_inbox(cast.alice, empty.pk) == ""
    assert Inbox.objects.filter(pk=empty.pk).exists() is False


def test_health_shows_the_last_error_until_a_call_works_again(cast: Cast) -> None:
    inbox = cast.inbox_a
    assert inbox_health(inbox).healthy is True
    with time_machine.travel(T0, tick=False):
        record_error(inbox, "send", "HTTP 502: Bad Gateway")
    health = inbox_health(inbox)
    assert (health.healthy, health.operation, health.last_error, health.last_error_at) == (
        False,
        "send",
        "HTTP 502: Bad Gateway",
        T0,
    )
    with time_machine.travel(T0 + dt.timedelta(minutes=1), tick=False):
        record_ok(inbox)
        record_ok(inbox)  # nothing standing: no change
    health = inbox_health(inbox)
    assert (health.healthy, health.last_error, health.last_ok_at) == (
        True,
        "HTTP 502: Bad Gateway",
        T0 + dt.timedelta(minutes=1),
    )
    assert inbox_health(cast.inbox_b).last_error == ""
