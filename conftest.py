"""Fixtures shared by every test: the cast (alice, bob, charlie), inboxes and task seams."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from asgiref.local import Local
from django.tasks import task_backends
from django.utils import translation

from javob.accounts.actions import AgentInput, do_add_agent, do_create_team, do_create_workspace
from javob.accounts.models import Membership, Role, Team, Workspace
from javob.connectors.actions import do_add_inbox
from javob.conversations.models import Inbox


def require_service(available: bool, what: str, install: str) -> None:
    """Skip a test whose server is missing, naming what to install; in CI
    (JAVOB_REQUIRE_SERVICES=1) a missing server fails the test instead."""
    if available:
        return
    message = f"needs {what}; install it with: {install}"
    if os.environ.get("JAVOB_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} (JAVOB_REQUIRE_SERVICES=1: mandatory here)")
    pytest.skip(message)


IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def use_task_backends(settings: Any, config: dict[str, Any]) -> None:
    """Point Django's task backends at `config` (Django does not reset them by itself)."""
    settings.TASKS = config
    reset_task_backends()


def reset_task_backends() -> None:
    task_backends._settings = None  # type: ignore[attr-defined]
    task_backends._connections = Local(False)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> Iterator[None]:
    use_task_backends(settings, IMMEDIATE)
    settings.JAVOB_OUTBOUND_ALLOW = []
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    yield
    reset_task_backends()
    translation.deactivate()  # a request's language must not leak into the next test


@dataclass
class Cast:
    """alice: admin of workspace A; bob: agent of A in another team; charlie: workspace B."""

    a: Workspace
    b: Workspace
    alice: Membership
    bob: Membership
    charlie: Membership
    support: Team  # alice's team in A
    sales: Team  # bob's team in A
    inbox_a: Inbox
    inbox_b: Inbox


def make_cast() -> Cast:
    a, _owner_a = do_create_workspace("Workspace A", "owner-a@example.com")
    b, charlie = do_create_workspace("Workspace B", "charlie@example.com")
    alice = do_add_agent(
        a, AgentInput(email="alice@example.com", role=Role.ADMIN, languages=("uz", "ru"))
    )
    bob = do_add_agent(a, AgentInput(email="bob@example.com", languages=("en",)))
    support = do_create_team(a, "Support", [alice.pk])
    sales = do_create_team(a, "Sales", [bob.pk])
    inbox_a = do_add_inbox(a, "api", "API A", {"webhook_url": "https://hooks.example.com/a"}, [])
    inbox_b = do_add_inbox(b, "api", "API B", {"webhook_url": "https://hooks.example.com/b"}, [])
    return Cast(a, b, alice, bob, charlie, support, sales, inbox_a, inbox_b)


@pytest.fixture
def cast(db: None) -> Cast:
    return make_cast()


@pytest.fixture
def on_commit(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> Callable[..., Any]:
    """`with on_commit():` runs what the code scheduled after commit, as production would."""

    def run() -> Any:
        return django_capture_on_commit_callbacks(execute=True)

    return run
