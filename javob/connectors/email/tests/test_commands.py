"""`javob email import | quarantine | reprocess | threading`."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from conftest import Cast
from javob.connectors.email import parse, tasks
from javob.connectors.email.models import RawMail
from javob.connectors.email.tests import broken
from javob.connectors.email.tests.support import email_inbox, mail, process_all
from javob.conversations.models import Message

pytestmark = pytest.mark.django_db


def _run(*args: str) -> Any:
    out = StringIO()
    call_command("email", *args, stdout=out)
    return json.loads(out.getvalue())


def test_import_quarantine_and_reprocess(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_commit: Any
) -> None:
    # given two saved mails imported while the parser is broken
    inbox = email_inbox(cast.a)
    files = []
    for n in range(2):
        path = tmp_path / f"{n}.eml"
        path.write_bytes(mail(message_id=f"<file{n}@customer.example>"))
        files.append(str(path))
    monkeypatch.setattr(tasks, "parse_mail", broken.parse_mail)
    assert _run("import", str(inbox.pk), *files, files[0]) == {"files": 3, "stored": 2}
    process_all()
    # then both are listed in quarantine with the error
    listed = _run("quarantine", "--inbox", str(inbox.pk))["mails"]
    assert [(m["message_id"], m["error"]) for m in listed] == [
        ("file0@customer.example", "ValueError: cannot parse"),
        ("file1@customer.example", "ValueError: cannot parse"),
    ]
    # and once the parser works, reprocessing the inbox's quarantine makes two messages
    monkeypatch.setattr(tasks, "parse_mail", parse.parse_mail)
    with on_commit():
        assert _run("reprocess", "--inbox", str(inbox.pk)) == {"requeued": 2}
    assert Message.objects.count() == 2
    assert set(RawMail.objects.values_list("outcome", flat=True)) == {"message"}


def test_threading_report_of_an_inbox_without_mail(cast: Cast) -> None:
    inbox = email_inbox(cast.a)
    assert _run("threading", str(inbox.pk)) == {"sent": 0, "complete": 0, "share": 1.0}


def test_parse_prints_the_parsers_json(tmp_path: Path) -> None:
    # the parser's command line (javob.connectors.email.cli), reached through `javob email`
    path = tmp_path / "one.eml"
    path.write_bytes(mail(message_id="<cli@customer.example>", subject="Salom"))
    parsed = _run("parse", str(path))
    assert (parsed["message_id"], parsed["subject"], parsed["from"]) == (
        "cli@customer.example",
        "Salom",
        {"name": "Dilnoza", "email": "dilnoza@customer.example"},
    )
