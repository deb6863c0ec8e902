"""The settings pages in a real browser (Playwright driving Debian's Chromium): the invite
form on a laptop and on a phone, with screenshots saved for the docs."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from conftest import Cast, require_service
from javob.accounts.actions import do_create_token
from javob.accounts.models import Membership
from javob.conversations.settings_actions import check_create_label
from javob.web.actions import check_set_preferences

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SIZES = {"laptop": (1280, 800), "phone": (390, 844)}


def screenshots_dir() -> Path:
    path = Path(settings.DATA_DIR) / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser() -> Any:
    require_service(Path(CHROMIUM).exists(), "Chromium", "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.mark.parametrize("size", SIZES)
def test_an_admin_invites_an_agent_in_the_browser(
    cast: Cast,
    live_server: Any,
    browser: Any,
    size: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are
    # plain synchronous test code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    client = Client()
    client.force_login(cast.alice.user)
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}/settings/agents/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(screenshots_dir() / f"settings-agents-{size}-en.png"), full_page=True)
    page.get_by_role("link", name="Invite an agent").click()
    page.get_by_label("Email address").fill("dave@example.com")
    page.get_by_label("Name:", exact=True).fill("Dave")
    page.get_by_label("Role").select_option("supervisor")
    page.get_by_label("Languages").fill("uz, ru")
    page.get_by_label("Support").check()
    page.get_by_role("button", name="Send the invitation").click()

    page.wait_for_url(f"{live_server.url}/settings/agents/")
    assert page.get_by_role("status").inner_text() == "Invitation sent to dave@example.com."
    dave = Membership.objects.get(user__email="dave@example.com")
    assert (dave.role, dave.languages) == ("supervisor", ["uz", "ru"])
    assert list(dave.teams.values_list("name", flat=True)) == ["Support"]
    context.close()


def test_errors_are_announced_next_to_their_field(
    cast: Cast, live_server: Any, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    client = Client()
    client.force_login(cast.alice.user)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{live_server.url}/settings/labels/")
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Create the label").click()

    field = page.get_by_label("Name")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby") or ""
    errors = [page.locator(f"#{ident}").inner_text() for ident in described.split()]
    assert "This field is required." in errors
    page.screenshot(path=str(screenshots_dir() / "settings-labels-error-phone-en.png"))
    context.close()


@pytest.mark.parametrize("language", ["en", "uz", "ru"])
def test_screenshots_of_the_settings_pages(
    cast: Cast, live_server: Any, browser: Any, language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Saves settings-<page>-<language>.png under $JAVOB_DATA_DIR/screenshots for the docs."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    check_create_label(cast.alice, "VIP", "#b91c1c")
    do_create_token(cast.alice, "CRM sync")
    check_set_preferences(cast.alice, language, cast.alice.time_zone)  # the agent's language
    client = Client()
    client.force_login(cast.alice.user)
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.add_cookies(
        [
            {"name": name, "value": value, "url": live_server.url}
            for name, value in (
                (settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value),
            )
        ]
    )
    page = context.new_page()

    for name in ("agents", "teams", "inboxes", "labels", "tokens"):
        page.goto(f"{live_server.url}/settings/{name}/")
        assert page.locator("html").get_attribute("lang") == language
        page.screenshot(path=str(screenshots_dir() / f"settings-{name}-{language}.png"))
    context.close()
