"""The running app in a real browser: uvicorn serves javob.asgi.application (HTTP and
websockets) from a thread of the test process, on a free port, over a test database whose
data is committed (transactional_db), and Playwright drives Debian's Chromium, headless."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from conftest import Cast, make_cast, require_service
from javob.accounts.models import Membership

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "Sinov-parol-2026"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class App:
    url: str
    cast: Cast


@pytest.fixture
def app(transactional_db: None, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Iterator[App]:
    import uvicorn

    from javob.asgi import application

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
    # between page actions are ordinary blocking calls all the same.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    # Password hashing is slow on purpose; these tests sign in a lot.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cast = make_cast()
    for member in (cast.alice, cast.bob, cast.charlie):
        member.user.set_password(PASSWORD)
        member.user.save(update_fields=["password"])
    port = _free_port()
    config = uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield App(f"http://127.0.0.1:{port}", cast)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One browser per module, not per session: Playwright's sync API runs an event loop in
    this thread while it is alive, which would make every later test look async to Django
    (SynchronousOnlyOperation) and to asyncio."""
    require_service(
        CHROMIUM.exists(), "Chromium", "install Debian's chromium (apt install chromium)"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    leave(page)


def leave(page: Any) -> None:
    """Close what the page has open (its websockets) by going blank, instead of
    BrowserContext.close(): that has no timeout, and with Debian's Chromium it hung now and then
    under load (seen in .ci/run with -n 2). The module's browser.close(), which ends the
    process, takes the context with it."""
    from playwright.sync_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError):  # a page that cannot go blank goes with the browser
        page.goto("about:blank", timeout=5_000)


def sign_in(page: Any, app: App, member: Membership) -> None:
    page.goto(app.url + "/accounts/login/")
    page.fill("input[name=login]", member.user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(app.url + "/inbox/")


def screenshot(page: Any, name: str) -> Path:
    folder = Path(django_settings.DATA_DIR) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def live(page: Any) -> None:
    """Wait until the page's websocket is connected."""
    page.wait_for_selector("body[data-live=on]", state="attached")
