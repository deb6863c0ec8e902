"""The demo owner signs in to the agent workspace with the password `javob demo` prints."""

from __future__ import annotations

import pytest
from django.test import Client

from javob.demo.data import OWNER
from javob.demo.tests.test_loaddemo import DemoRun, demo, demo_settings

__all__ = ["demo", "demo_settings"]  # the demo's module-scoped fixtures, loaded once here
pytestmark = pytest.mark.django_db


def test_the_demo_owner_signs_in_and_sees_the_demo_inbox(demo_settings: DemoRun) -> None:
    password = (demo_settings.data_dir / "demo-password").read_text().strip()
    client = Client()

    response = client.post("/accounts/login/", {"login": OWNER.email, "password": password})

    assert response["Location"] == "/inbox/"
    page = client.get("/inbox/all/")
    assert page.status_code == 200
    assert demo_settings.workspace.name in page.content.decode()
