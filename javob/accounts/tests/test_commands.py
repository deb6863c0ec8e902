from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from javob.accounts.models import Membership, Role, User
from javob.accounts.queries import membership_for_token
from javob.conversations.models import Inbox

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip()


def test_createworkspace_prints_json_and_makes_an_owner() -> None:
    printed = json.loads(
        run("createworkspace", "Acme", "--owner", "Boss@Acme.uz", "--password", "Kuchli-parol-2026")
    )
    owner = Membership.objects.get()
    assert printed == {"workspace": owner.workspace_id, "owner": "boss@acme.uz"}
    assert owner.role == Role.OWNER
    assert User.objects.get().check_password("Kuchli-parol-2026")


def test_token_create_prints_a_working_token() -> None:
    workspace = json.loads(run("createworkspace", "Acme", "--owner", "a@acme.uz"))["workspace"]
    secret = run("token", "create", "a@acme.uz")
    member = membership_for_token(secret)
    assert secret.startswith("jvb_")
    assert member is not None
    assert member.workspace_id == workspace
    assert membership_for_token(secret + "x") is None


def test_token_create_for_unknown_agent_fails_clearly() -> None:
    with pytest.raises(CommandError, match=r"No agent nobody@acme\.uz"):
        run("token", "create", "nobody@acme.uz")


def test_inbox_add_prints_id_and_webhook_url_and_encrypts_secrets(settings: object) -> None:
    workspace = json.loads(run("createworkspace", "Acme", "--owner", "a@acme.uz"))["workspace"]
    printed = json.loads(
        run(
            "inbox",
            "add",
            "api",
            "--workspace",
            str(workspace),
            "--name",
            "Shop",
            "--set",
            "webhook_url=https://shop.example.com/javob",
        )
    )
    inbox = Inbox.objects.get()
    assert printed == {"id": inbox.pk, "webhook_url": f"http://127.0.0.1:8000/hooks/api/{inbox.pk}"}
    assert inbox.settings == {"webhook_url": "https://shop.example.com/javob"}
    assert len(inbox.secrets["webhook_secret"]) >= 40
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secrets FROM conversations_inbox")
        raw = cursor.fetchone()[0]
    assert inbox.secrets["webhook_secret"] not in raw


def test_inbox_add_with_bad_option_fails_clearly() -> None:
    workspace = json.loads(run("createworkspace", "Acme", "--owner", "a@acme.uz"))["workspace"]
    with pytest.raises(CommandError, match="--set takes KEY=VALUE"):
        run("inbox", "add", "api", "--workspace", str(workspace), "--name", "x", "--set", "novalue")
    with pytest.raises(CommandError, match="No workspace 999"):
        run("inbox", "add", "api", "--workspace", "999", "--name", "x")
    assert Inbox.objects.count() == 0


def test_inbox_add_stores_a_given_webhook_secret_encrypted_only() -> None:
    workspace = json.loads(run("createworkspace", "Acme", "--owner", "a@acme.uz"))["workspace"]
    chosen = "s" * 40
    run(
        "inbox",
        "add",
        "api",
        "--workspace",
        str(workspace),
        "--name",
        "Shop",
        "--set",
        "webhook_url=https://shop.example.com/j",
        "--set",
        f"webhook_secret={chosen}",
    )
    inbox = Inbox.objects.get()
    assert inbox.secrets == {"webhook_secret": chosen}
    assert inbox.settings == {"webhook_url": "https://shop.example.com/j"}


def test_inbox_add_refuses_a_short_webhook_secret() -> None:
    workspace = json.loads(run("createworkspace", "Acme", "--owner", "a@acme.uz"))["workspace"]
    with pytest.raises(CommandError, match=r"at least 16 characters\. \(webhook_secret\)"):
        run(
            "inbox",
            "add",
            "api",
            "--workspace",
            str(workspace),
            "--name",
            "Shop",
            "--set",
            "webhook_secret=short",
        )
    assert Inbox.objects.count() == 0
