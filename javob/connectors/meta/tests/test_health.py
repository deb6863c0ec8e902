"""`javob meta show`: what to paste into Meta's dashboard, and whether the inbox works."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from conftest import Cast
from javob.connectors.meta.tests.support import meta_inbox
from javob.connectors.whatsapp.tests.support import payload, post_hook, whatsapp_inbox

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def _show(inbox_id: int) -> dict[str, Any]:
    out = StringIO()
    call_command("meta", "show", str(inbox_id), stdout=out)
    data: dict[str, Any] = json.loads(out.getvalue())
    return data


def test_a_new_inbox_shows_where_to_point_meta(cast: Cast) -> None:
    inbox = meta_inbox(cast.a, "instagram")
    assert _show(inbox.pk) == {
        "id": inbox.pk,
        "kind": "instagram",
        "webhook_url": f"http://127.0.0.1:8000/hooks/instagram/{inbox.pk}",
        "verify_token": "verify-me-42",
        "last_event_at": None,
        "last_error": "",
        "last_error_at": None,
        "pending_payloads": 0,
    }


def test_the_last_event_and_the_last_error_are_shown(
    cast: Cast, client: Client, on_commit: Callable[..., Any]
) -> None:
    inbox = whatsapp_inbox(cast.a)
    with time_machine.travel(T0, tick=False), on_commit():
        post_hook(client, inbox, payload("message__text"))
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False), on_commit():
        post_hook(client, inbox, b"{broken")
    shown = _show(inbox.pk)
    assert (shown["last_event_at"], shown["last_error_at"]) == (
        "2026-11-02T09:05:00+00:00",
        "2026-11-02T09:05:00+00:00",
    )
    assert shown["last_error"].startswith("webhook: JSONDecodeError")


def test_other_kinds_are_refused(cast: Cast) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        _show(cast.inbox_a.pk)
