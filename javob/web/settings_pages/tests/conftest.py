"""Clients signed in as the cast, for the settings pages."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import Cast


def client_for(email: str, cast: Cast) -> Client:
    from javob.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    return client


@pytest.fixture
def alice(cast: Cast) -> Client:
    return client_for("alice@example.com", cast)


@pytest.fixture
def bob(cast: Cast) -> Client:
    return client_for("bob@example.com", cast)


@pytest.fixture
def charlie(cast: Cast) -> Client:
    return client_for("charlie@example.com", cast)


@pytest.fixture
def owner(cast: Cast) -> Client:
    return client_for("owner-a@example.com", cast)
