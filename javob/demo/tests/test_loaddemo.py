"""`javob loaddemo`: the demo workspace, its content and its idempotence.

The demo is loaded once per module (a smaller one than `javob demo` loads) and committed,
so every test reads the same data; each test runs in its own transaction on top of it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from pytest_django import DjangoDbBlocker
from pytest_django.fixtures import Settings

from conftest import IMMEDIATE, use_task_backends
from javob.accounts.models import Membership, Team, User, Workspace
from javob.accounts.queries import membership_for_token
from javob.contacts.models import Contact
from javob.conversations.delivery import due_messages
from javob.conversations.models import Conversation, Event, Inbox, Message
from javob.demo import data, texts
from javob.demo.loader import find_demo, load_demo
from javob.demo.plan import build_plan

pytestmark = pytest.mark.django_db
SIZE = 40
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass(frozen=True)
class DemoRun:
    output: str
    data_dir: Path
    workspace: Workspace


@pytest.fixture(scope="module")
def demo(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[DemoRun]:
    data_dir = tmp_path_factory.mktemp("javob-data")
    overrides = override_settings(DATA_DIR=data_dir, PASSWORD_HASHERS=FAST_HASHER)
    with django_db_blocker.unblock(), overrides:
        use_task_backends(django_settings, IMMEDIATE)
        out = StringIO()
        call_command("loaddemo", size=SIZE, port=8123, stdout=out)
        workspace = find_demo()
        assert workspace is not None
        yield DemoRun(out.getvalue(), data_dir, workspace)
        Message.objects.filter(workspace=workspace).delete()
        Conversation.objects.filter(workspace=workspace).delete()
        workspace.delete()
        User.objects.filter(email__endswith="@demo.javob.uz").delete()
    use_task_backends(django_settings, django_settings.TASKS)


@pytest.fixture
def demo_settings(demo: DemoRun, settings: Settings) -> DemoRun:
    settings.DATA_DIR = demo.data_dir
    settings.PASSWORD_HASHERS = FAST_HASHER
    return demo


def _incoming_texts(locale: str) -> list[str]:
    return list(
        Message.objects.filter(direction="incoming", sender_contact__locale=locale).values_list(
            "text", flat=True
        )
    )


def test_demo_has_owner_agents_teams_and_one_inbox_of_each_kind(demo: DemoRun) -> None:
    # given the loaded demo
    workspace = demo.workspace
    # then it has its owner and six agents in five time zones, three teams, nine inboxes
    members = Membership.objects.filter(workspace=workspace)
    assert workspace.name == "Javob Demo"
    assert (workspace.time_zone, workspace.default_locale) == ("Asia/Tashkent", "uz")
    assert Counter(members.values_list("role", flat=True)) == {
        "owner": 1,
        "admin": 1,
        "supervisor": 1,
        "agent": 4,
    }
    assert set(members.values_list("time_zone", flat=True)) == {
        "Asia/Tashkent",
        "Asia/Almaty",
        "Europe/Moscow",
        "Europe/Berlin",
        "America/New_York",
    }
    spoken = {code for langs in members.values_list("languages", flat=True) for code in langs}
    assert {"uz", "ru", "en"} <= spoken
    assert sorted(Team.objects.filter(workspace=workspace).values_list("name", flat=True)) == [
        "Buyurtmalar va yetkazish",
        "Texnik yordam",
        "To‘lovlar",
    ]
    kinds = Counter(Inbox.objects.filter(workspace=workspace).values_list("kind", flat=True))
    assert kinds == dict.fromkeys(
        ["email", "webchat", "telegram", "whatsapp", "instagram", "messenger", "x", "sms", "api"],
        1,
    )
    owner = User.objects.get(email="owner@demo.javob.uz")
    assert (owner.is_staff, owner.is_superuser) == (True, True)


def test_demo_conversations_cover_every_status_with_assignments_labels_and_notes(
    demo: DemoRun,
) -> None:
    conversations = Conversation.objects.filter(workspace=demo.workspace)
    statuses = Counter(conversations.values_list("status", flat=True))
    assert set(statuses) == {"open", "pending", "snoozed", "resolved", "closed"}
    assert conversations.count() == SIZE + conversations.filter(merged_into__isnull=False).count()
    assert conversations.exclude(assignee=None).count() > SIZE // 2
    assert conversations.exclude(team=None).count() > SIZE // 2
    assert len(set(conversations.values_list("priority", flat=True))) >= 3
    assert conversations.filter(labels__name="delivery").exists()
    assert Message.objects.filter(workspace=demo.workspace, direction="note").exists()
    snoozed = conversations.filter(status="snoozed")
    assert all(c.snoozed_until and c.snoozed_until > timezone.now() for c in snoozed)
    # multi-message threads: customers and agents both write in most conversations
    both = conversations.filter(messages__direction="outgoing").distinct().count()
    assert both > SIZE // 2


def test_demo_speaks_uzbek_latin_and_cyrillic_russian_english_and_five_more(
    demo: DemoRun,
) -> None:
    locales = set(Contact.objects.filter(workspace=demo.workspace).values_list("locale", flat=True))
    assert locales == {"uz", "uz-Cyrl", "ru", "en", "kk", "tr", "tg", "ar", "de"}
    assert any(re.search("[ўқғҳ]", text) for text in _incoming_texts("uz-Cyrl"))
    assert any(re.search("[а-яё]", text) for text in _incoming_texts("ru"))
    latin = _incoming_texts("uz")
    for apostrophe in ("'", "‘", "ʻ"):
        assert any("o" + apostrophe in text for text in latin), apostrophe
    assert any(re.search("g[‘ʻ’'`]", text) for text in latin)
    # and someone who leaves the apostrophe out altogether (to'lov -> tolov)
    assert any(_bare_words() & set(re.findall(r"\w+", text)) for text in latin)


def _bare_words() -> set[str]:
    scripts = texts.SCRIPTS["uz"].values()
    words = {
        word
        for script in (s for group in scripts for s in group)
        for line in script.opening
        for word in re.findall(r"\w*[oOgG]'\w*", line)
    }
    return {word.replace("'", "") for word in words}


def test_demo_history_spans_80_to_90_days_and_nothing_is_in_the_future(demo: DemoRun) -> None:
    now = timezone.now()
    created = list(
        Conversation.objects.filter(workspace=demo.workspace).values_list("created_at", flat=True)
    )
    assert now - min(created) <= dt.timedelta(days=90)
    assert max(created) - min(created) >= dt.timedelta(days=80)
    for model in (Message, Event):
        stamps = list(
            model.objects.filter(workspace=demo.workspace).values_list("created_at", flat=True)
        )
        assert min(stamps) >= now - dt.timedelta(days=90)
        assert max(stamps) < now
    assert (now - max(created)).days < 2


def test_every_demo_reply_reached_a_final_delivery_state_and_none_is_queued(
    demo: DemoRun,
) -> None:
    replies = Message.objects.filter(workspace=demo.workspace, direction="outgoing")
    states = Counter(replies.values_list("delivery_status", flat=True))
    assert replies.count() > SIZE
    assert set(states) <= {"sent", "delivered", "read", "failed"}
    assert {"sent", "delivered", "read"} <= set(states)
    assert due_messages(timezone.now() + dt.timedelta(days=1), grace_seconds=0) == []
    reasons = set(replies.filter(delivery_status="failed").values_list("failure_reason", flat=True))
    # only the provider errors the demo chose; a reply handed to a connector would fail with
    # "No connector for ..." (or try the network)
    assert reasons <= set(data.FAILURE_REASONS.values())
    assert replies.filter(sent_at=None).exclude(delivery_status="failed").count() == 0
    api = Inbox.objects.get(workspace=demo.workspace, kind="api")
    assert api.settings["webhook_url"] == "https://hooks.demo.invalid/javob"


def test_loaddemo_prints_how_to_sign_in_with_a_working_token(demo: DemoRun) -> None:
    password = (demo.data_dir / "demo-password").read_text().strip()
    output = demo.output
    assert "http://127.0.0.1:8123/" in output
    assert "http://127.0.0.1:8123/admin/" in output
    assert "http://127.0.0.1:8123/api/docs" in output
    assert "owner@demo.javob.uz" in output
    assert f"Password:   {password}\n" in output
    assert "javob token create owner@demo.javob.uz" in output
    token = re.search(r"(jvb_\S+)", output)
    assert token is not None
    member = membership_for_token(token.group(1))
    assert member is not None
    assert (member.workspace_id, member.role) == (demo.workspace.pk, "owner")
    assert User.objects.get(email="owner@demo.javob.uz").check_password(password)
    assert User.objects.get(email="jasur@demo.javob.uz").check_password(password)


def test_rerunning_loaddemo_changes_nothing_and_prints_the_same_password(
    demo_settings: DemoRun,
) -> None:
    # given the loaded demo and its counts
    def counts() -> tuple[int, ...]:
        return (
            Workspace.objects.count(),
            Membership.objects.count(),
            Conversation.objects.count(),
            Message.objects.count(),
            Event.objects.count(),
            Contact.objects.count(),
            Inbox.objects.count(),
        )

    before = counts()
    # when loaddemo runs again
    out = StringIO()
    call_command("loaddemo", port=8123, stdout=out)
    # then nothing changed, and it prints the same password but no new token
    assert counts() == before
    password = (demo_settings.data_dir / "demo-password").read_text().strip()
    assert f"Password:   {password}\n" in out.getvalue()
    assert f"Password:   {password}\n" in demo_settings.output
    assert "already loaded" in out.getvalue()
    assert "jvb_" not in out.getvalue()


def test_reset_replaces_the_demo_workspace_and_keeps_the_password(
    demo_settings: DemoRun,
) -> None:
    # given the loaded demo
    old = demo_settings.workspace.pk
    password = (demo_settings.data_dir / "demo-password").read_text().strip()
    now = timezone.now()
    # when it is reset
    loaded = load_demo(size=12, reset=True, now=now)
    # then a new workspace replaces the old one, built from the plan, with the same password
    plans = build_plan(12, now)
    assert Workspace.objects.filter(pk=old).exists() is False
    assert list(Workspace.objects.filter(name="Javob Demo").values_list("pk", flat=True)) == [
        loaded.workspace_id
    ]
    assert loaded.conversations == 12 + sum(plan.duplicate is not None for plan in plans)
    assert loaded.password == password
    assert loaded.token is not None
    assert User.objects.filter(email__endswith="@demo.javob.uz").count() == 7
    assert User.objects.get(email="owner@demo.javob.uz").check_password(password)
