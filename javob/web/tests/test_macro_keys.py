"""The macro picker driven with the keyboard only, in Chromium against the running app."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from javob.automation.actions import check_save_macro
from javob.conversations.actions import receive_message
from javob.conversations.models import Conversation
from javob.conversations.tests.factories import inbound
from tests.browser.conftest import (  # noqa: F401 - the fixtures of the browser tests
    App,
    app,
    chromium,
    live,
    page,
    sign_in,
)

pytestmark = pytest.mark.browser


def _open_conversation(app: App, page: Any) -> int:  # noqa: F811
    cast = app.cast
    conversation_id = receive_message(
        inbound(cast.inbox_a.pk, "c-1", "Pulimni qaytaring")
    ).message.conversation_id
    check_save_macro(cast.alice, "Escalate refund", "priority urgent\nlabels_add refund, vip")
    check_save_macro(cast.alice, "Refund waiting", "labels_add refund\nstatus pending")
    check_save_macro(cast.alice, "Close quietly", "status resolved")
    sign_in(page, app, cast.alice)
    page.goto(f"{app.url}/conversations/{conversation_id}/")
    live(page)
    return int(conversation_id)


def _state(conversation_id: int) -> tuple[str, str, list[str]]:
    conversation = Conversation.objects.get(pk=conversation_id)
    labels = sorted(conversation.labels.values_list("name", flat=True))
    return conversation.status, conversation.priority, labels


def test_m_filter_arrows_and_enter_apply_a_macro(app: App, page: Any) -> None:  # noqa: F811
    conversation_id = _open_conversation(app, page)
    picker = page.locator("#macro-picker")
    search = page.locator("#macro-q")
    # when the agent presses m, the picker opens with every macro and the first one active
    page.keyboard.press("m")
    picker.wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "macro-q"
    options = page.get_by_role("listbox", name="Macros").get_by_role("option")
    assert options.all_inner_texts() == ["Close quietly", "Escalate refund", "Refund waiting"]
    first = page.locator("#macro-options [role=option]").first.get_attribute("id")
    assert search.get_attribute("aria-activedescendant") == first
    # typing filters by name; ArrowDown moves to the second match, ArrowUp back, Down again
    page.keyboard.type("refund")
    assert options.all_inner_texts() == ["Escalate refund", "Refund waiting"]
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # stays on the last match
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowDown")
    active = search.get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").inner_text() == "Refund waiting"
    assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    # Enter applies it (the same POST as the button) and closes the picker
    page.keyboard.press("Enter")
    picker.wait_for(state="hidden")
    expect(page.locator("#panel input[name=labels]")).to_have_value("refund")
    expect(page.locator("#timeline").get_by_text("Pending").first).to_be_visible()
    assert _state(conversation_id) == ("pending", "none", ["refund"])


def test_escape_closes_without_applying_and_no_match_says_so(app: App, page: Any) -> None:  # noqa: F811
    conversation_id = _open_conversation(app, page)
    # the shortcuts dialog lists the key
    page.keyboard.press("?")
    row = page.locator("#shortcuts tr", has=page.locator("kbd", has_text="m"))
    assert row.inner_text() == "m\tApply a macro (type to filter, Enter applies)"
    page.keyboard.press("Escape")
    page.locator("#shortcuts").wait_for(state="hidden")
    picker = page.locator("#macro-picker")
    page.keyboard.press("m")
    picker.wait_for(state="visible")
    page.keyboard.type("zzz")
    assert page.locator("#macro-none").inner_text() == "No macro matches."
    page.keyboard.press("Enter")  # nothing to apply
    assert page.locator("#macro-q").get_attribute("aria-activedescendant") is None
    page.keyboard.press("Escape")
    picker.wait_for(state="hidden")
    # the focus left the closed picker, so the next key is a shortcut again
    assert page.evaluate("document.activeElement.id") != "macro-q"
    # reopened, the filter is cleared; Escape again, then the first macro applies with Enter
    page.keyboard.press("m")
    picker.wait_for(state="visible")
    expect(page.locator("#macro-q")).to_have_value("")
    page.keyboard.press("Escape")
    picker.wait_for(state="hidden")
    assert _state(conversation_id) == ("open", "none", [])
    page.keyboard.press("m")
    picker.wait_for(state="visible")
    page.keyboard.type("escalate")
    page.keyboard.press("Enter")
    picker.wait_for(state="hidden")
    expect(page.locator("#panel input[name=labels]")).to_have_value("refund, vip")
    assert _state(conversation_id) == ("open", "urgent", ["refund", "vip"])
