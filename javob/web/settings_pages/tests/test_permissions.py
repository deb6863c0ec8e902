"""Plain agents get 403 on every settings page; another workspace's admin gets 404 on
workspace A's objects; neither changes anything."""

from collections.abc import Callable

import pytest
from django.test import Client

from conftest import Cast
from javob.accounts.actions import do_create_token
from javob.accounts.models import User
from javob.conversations.models import Label
from javob.web.settings_pages.tests.support import snapshot

Page = tuple[str, Callable[[Cast, dict[str, int]], str], dict[str, object]]


def ids_of_a(cast: Cast) -> dict[str, int]:
    label = Label.objects.create(workspace=cast.a, name="VIP")
    token, _secret = do_create_token(cast.alice, "token-of-A")
    return {"label": label.pk, "token": token.pk}


LIST_PAGES = [
    "/settings/agents/",
    "/settings/agents/invite/",
    "/settings/teams/",
    "/settings/inboxes/",
    "/settings/inboxes/new/",
    "/settings/inboxes/new/api/",
    "/settings/labels/",
    "/settings/tokens/",
]

OBJECT_PAGES: list[Page] = [
    ("get", lambda c, ids: f"/settings/agents/{c.bob.pk}/", {}),
    ("post", lambda c, ids: f"/settings/agents/{c.bob.pk}/", {"role": "admin", "languages": ""}),
    ("post", lambda c, ids: f"/settings/agents/{c.bob.pk}/deactivate/", {}),
    ("post", lambda c, ids: f"/settings/agents/{c.bob.pk}/reactivate/", {}),
    ("post", lambda c, ids: f"/settings/agents/{c.bob.pk}/reinvite/", {}),
    ("get", lambda c, ids: f"/settings/teams/{c.sales.pk}/", {}),
    ("post", lambda c, ids: f"/settings/teams/{c.sales.pk}/", {"name": "Mine"}),
    ("post", lambda c, ids: f"/settings/teams/{c.sales.pk}/delete/", {}),
    ("get", lambda c, ids: f"/settings/inboxes/{c.inbox_a.pk}/", {}),
    (
        "post",
        lambda c, ids: f"/settings/inboxes/{c.inbox_a.pk}/",
        {"name": "Mine", "reopen_grace_hours": "1"},
    ),
    ("post", lambda c, ids: f"/settings/inboxes/{c.inbox_a.pk}/secret/", {"rotate": "0"}),
    ("post", lambda c, ids: f"/settings/inboxes/{c.inbox_a.pk}/secret/", {"rotate": "1"}),
    ("post", lambda c, ids: f"/settings/inboxes/{c.inbox_a.pk}/active/", {"active": "0"}),
    ("get", lambda c, ids: f"/settings/labels/{ids['label']}/", {}),
    (
        "post",
        lambda c, ids: f"/settings/labels/{ids['label']}/",
        {"name": "Mine", "color": "#000000"},
    ),
    ("post", lambda c, ids: f"/settings/labels/{ids['label']}/delete/", {}),
    ("post", lambda c, ids: f"/settings/tokens/{ids['token']}/revoke/", {}),
]

CREATES = [
    ("/settings/agents/invite/", {"email": "eve@example.com", "role": "admin"}),
    ("/settings/teams/", {"name": "Takeover"}),
    ("/settings/inboxes/new/api/", {"name": "Mine", "reopen_grace_hours": "1"}),
    ("/settings/labels/", {"name": "Mine", "color": "#000000"}),
    ("/settings/tokens/", {"name": "Mine"}),
]


@pytest.mark.parametrize("url", LIST_PAGES)
def test_a_plain_agent_cannot_open_a_settings_page(cast: Cast, bob: Client, url: str) -> None:
    assert bob.get(url).status_code == 403


@pytest.mark.parametrize(("url", "data"), CREATES)
def test_a_plain_agent_cannot_create_anything(
    cast: Cast, bob: Client, url: str, data: dict[str, object]
) -> None:
    before = snapshot()

    assert bob.post(url, data).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize(("method", "url", "data"), OBJECT_PAGES)
def test_a_plain_agent_cannot_touch_an_object(
    cast: Cast, bob: Client, method: str, url: Callable[..., str], data: dict[str, object]
) -> None:
    ids = ids_of_a(cast)
    before = snapshot()

    response = getattr(bob, method)(url(cast, ids), data)

    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize(("method", "url", "data"), OBJECT_PAGES)
def test_another_workspace_never_sees_workspace_a_objects(
    cast: Cast, method: str, url: Callable[..., str], data: dict[str, object]
) -> None:
    ids = ids_of_a(cast)
    # charlie is the owner of workspace B: every settings page is open to them, for B.
    charlie = Client()
    charlie.force_login(User.objects.get(email="charlie@example.com"))
    before = snapshot()

    response = getattr(charlie, method)(url(cast, ids), data)

    assert response.status_code == 404
    assert snapshot() == before


def test_another_workspace_lists_none_of_workspace_a(cast: Cast, charlie: Client) -> None:
    ids_of_a(cast)
    pages = "".join(charlie.get(url).content.decode() for url in LIST_PAGES)

    for name in (
        "alice@example.com",
        "bob@example.com",
        "Support",
        "Sales",
        "API A",
        "VIP",
        "token-of-A",
    ):
        assert name not in pages
    assert "API B" in pages


def test_signing_in_is_required(db: None) -> None:
    response = Client().get("/settings/agents/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/settings/agents/"


def test_the_invitation_page_needs_no_sign_in_but_a_valid_link(db: None) -> None:
    assert Client().get("/settings/invite/nonsense/").status_code == 410
