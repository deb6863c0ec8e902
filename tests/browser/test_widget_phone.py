"""The web chat on a phone: a touch screen 390 x 844 CSS pixels (an iPhone 12-14), the
visitor taps the launcher, writes, and gets the agent's answer with the agent's picture;
the panel fills the screen and nothing runs off it sideways."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from javob.accounts.avatars import check_set_avatar
from javob.conversations.actions import check_send_reply
from javob.conversations.models import Conversation
from tests.browser.conftest import App, leave, screenshot
from tests.browser.test_widget import embed, shop_site, wait_for_messages

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LONG_WORD = "Buyurtma-" + "7" * 90  # an order number with no place to break
LONG_LINK = "https://shop.example/track/" + "a1b2c3d4" * 12

# Everything in the widget that reaches past the screen's edges, and the scroll widths.
LAYOUT = """() => {
  const root = document.getElementById("javob-chat").shadowRoot;
  const panel = root.querySelector(".panel").getBoundingClientRect();
  const outside = [...root.querySelectorAll(".panel *")].filter((node) => {
    const box = node.getBoundingClientRect();
    return box.width > 0 && (box.left < -0.5 || box.right > innerWidth + 0.5);
  }).map((node) => node.tagName.toLowerCase() + "." + node.getAttribute("class"));
  const messages = root.querySelector(".messages");
  return {
    panel: [panel.left, panel.top, panel.width, panel.height],
    viewport: [innerWidth, innerHeight],
    outside: outside,
    page_scrolls: document.documentElement.scrollWidth > innerWidth,
    messages_scroll: messages.scrollWidth > messages.clientWidth,
    field_font: getComputedStyle(root.querySelector("textarea")).fontSize,
  };
}"""

AVATARS = """() => {
  const root = document.getElementById("javob-chat").shadowRoot;
  return [...root.querySelectorAll("img.avatar")].map((img) => [
    img.closest("header") ? "header" : "message", img.complete && img.naturalWidth,
  ]);
}"""


@pytest.fixture
def site(app: App) -> Iterator[Any]:
    """A shop's mobile page (with the usual viewport tag) on another origin, embedding the
    widget of `site.public_id`."""
    viewport = "<meta name='viewport' content='width=device-width, initial-scale=1'>"
    with shop_site(app, lang="ru", head=viewport) as server:
        yield server


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x1d\x4e\xd8"))
        + chunk(b"IEND", b"")
    )


def test_on_a_phone_the_chat_fills_the_screen_and_nothing_overflows(
    app: App, site: Any, chromium: Any
) -> None:
    embed(site, app)
    check_set_avatar(app.cast.alice, png())
    context = chromium.new_context(
        viewport=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="ru-RU",
    )
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    phone.goto(site.url + "/")

    phone.locator("button.launcher").tap()
    phone.locator("li.greeting").wait_for()
    phone.locator("textarea").fill(f"Где мой заказ {LONG_WORD}?")
    phone.locator("button.send").tap()
    assert wait_for_messages(1) == [f"Где мой заказ {LONG_WORD}?"]
    conversation = Conversation.objects.get()
    check_send_reply(app.cast.alice, conversation.pk, f"Отследить можно здесь: {LONG_LINK}")
    phone.locator("li.theirs", has_text="Отследить").wait_for()
    phone.wait_for_function(
        "() => [...document.getElementById('javob-chat').shadowRoot"
        ".querySelectorAll('img.avatar')].every((img) => img.complete)"
    )

    layout = phone.evaluate(LAYOUT)
    screenshot(phone, "widget-phone")
    assert layout == {
        "panel": [0, 0, 390, 844],
        "viewport": [390, 844],
        "outside": [],
        "page_scrolls": False,
        "messages_scroll": False,
        "field_font": "16px",  # smaller, and phone browsers zoom in when it gets the focus
    }
    assert phone.evaluate(AVATARS) == [["header", 1], ["message", 1]]
    leave(phone)
