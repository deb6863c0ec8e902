"""What an agent does all day, in Chromium against the running ASGI app."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from javob.accounts.actions import do_create_token
from javob.conversations.actions import receive_message
from javob.conversations.models import Conversation, Message
from javob.conversations.tests.factories import inbound
from tests.browser.conftest import App, leave, live, screenshot, sign_in

pytestmark = pytest.mark.browser


def post_through_api_channel(app: App, text: str) -> dict[str, Any]:
    """A customer message posted by an external system to the API channel, over HTTP."""
    _token, secret = do_create_token(app.cast.alice, "crm")
    body = {"id": "crm-1", "sender": {"id": "crm-42", "name": "Aziz"}, "text": text}
    request = urllib.request.Request(  # noqa: S310 - our own test server
        f"{app.url}/api/v1/inboxes/{app.cast.inbox_a.pk}/messages",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        assert response.status == 201
        return dict(json.loads(response.read()))


def test_sign_in_with_email_and_password(app: App, page: Any) -> None:
    sign_in(page, app, app.cast.alice)

    assert page.locator("h1#list-title").inner_text() == "Mine"
    assert page.locator(".topbar .who").inner_text() == "alice@example.com"


def test_a_message_posted_through_the_api_appears_live_in_the_open_inbox(
    app: App, page: Any
) -> None:
    # given alice has the All view open, connected
    sign_in(page, app, app.cast.alice)
    page.goto(app.url + "/inbox/all/")
    live(page)
    assert page.locator("#rows .conv").count() == 0
    # when a customer message arrives through the API channel
    posted = post_through_api_channel(app, "Buyurtmam qachon keladi?")
    # then its row appears without a reload, marked unread
    row = page.locator(f"#conv-{posted['conversation_id']}")
    row.wait_for()
    assert "Buyurtmam qachon keladi?" in row.inner_text()
    assert row.get_attribute("class") == "conv unread"
    page.locator("[data-count-key=all] .count", has_text="1").wait_for()
    screenshot(page, "inbox")


def test_reply_note_assign_and_resolve(app: App, page: Any) -> None:
    cast = app.cast
    conversation_id = receive_message(
        inbound(cast.inbox_a.pk, "c-1", "Salom!")
    ).message.conversation_id
    sign_in(page, app, cast.alice)
    page.goto(f"{app.url}/conversations/{conversation_id}/")
    live(page)
    # reply: r, type, Ctrl+Enter
    page.keyboard.press("r")
    page.keyboard.type("Assalomu alaykum! Yordam beraman.")
    page.keyboard.press("Control+Enter")
    page.locator(".msg-item.outgoing").wait_for()
    # note: n, type, Ctrl+Enter
    page.keyboard.press("n")
    page.keyboard.type("Mijoz VIP")
    page.keyboard.press("Control+Enter")
    page.locator(".msg-item.note").wait_for()
    # assign: a focuses the agent picker
    page.keyboard.press("a")
    page.select_option("#assignee-select", str(cast.bob.pk))
    page.click("#assign-form button[type=submit]")
    page.locator(".event", has_text="assigned it to bob@example.com").wait_for()
    screenshot(page, "conversation")
    # resolve: e
    page.keyboard.press("e")
    page.locator("#status-badge", has_text="Resolved").wait_for()

    conversation = Conversation.objects.get(pk=conversation_id)
    assert (conversation.status, conversation.assignee_id) == ("resolved", cast.bob.pk)
    texts = list(
        Message.objects.filter(conversation=conversation)
        .order_by("id")
        .values_list("direction", "text")
    )
    assert texts == [
        ("incoming", "Salom!"),
        ("outgoing", "Assalomu alaykum! Yordam beraman."),
        ("note", "Mijoz VIP"),
    ]


def test_another_agent_sees_the_reply_appear_live(app: App, page: Any, chromium: Any) -> None:
    cast = app.cast
    conversation_id = receive_message(
        inbound(cast.inbox_a.pk, "c-1", "Salom!")
    ).message.conversation_id
    sign_in(page, app, cast.bob)
    page.goto(f"{app.url}/conversations/{conversation_id}/")
    live(page)
    other = chromium.new_context(viewport={"width": 1280, "height": 800}).new_page()
    sign_in(other, app, cast.alice)
    other.goto(f"{app.url}/conversations/{conversation_id}/")
    live(other)
    # alice is shown as viewing on bob's page
    page.locator("#presence", has_text="alice@example.com is viewing").wait_for()
    other.fill("#composer-text", "Bir daqiqa")
    other.keyboard.press("Control+Enter")

    page.locator(".msg-item.outgoing", has_text="Bir daqiqa").wait_for()
    leave(other)


def test_switch_to_uzbek(app: App, page: Any) -> None:
    receive_message(inbound(app.cast.inbox_a.pk, "c-1", "Salom!"))
    sign_in(page, app, app.cast.alice)
    page.goto(app.url + "/preferences/")
    page.select_option("#locale", "uz")
    page.click("button.primary")
    page.goto(app.url + "/inbox/all/")

    assert page.locator("html").get_attribute("lang") == "uz"
    # Django's own Uzbek formats: "23-noyabr, 2026-yil 21:05"
    assert "-yil " in (page.locator("#rows time").first.get_attribute("title") or "")
    # The app's own strings in Uzbek
    assert page.locator("h1#list-title").inner_text() == "Hammasi"
    assert page.locator(".topbar nav a").first.inner_text() == "Kirish qutisi"
    screenshot(page, "inbox-uz")
    page.locator("#rows a").first.click()
    live(page)
    screenshot(page, "conversation-uz")


def test_works_on_a_phone(app: App, chromium: Any) -> None:
    receive_message(inbound(app.cast.inbox_a.pk, "c-1", "Salom!"))
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    sign_in(page, app, app.cast.alice)
    page.goto(app.url + "/inbox/all/")

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.locator("#rows .conv-link").first.click()
    page.locator("#composer-text").wait_for()
    screenshot(page, "conversation-phone")
    phone.close()


def test_the_view_counts_follow_live(app: App, page: Any) -> None:
    sign_in(page, app, app.cast.alice)
    page.goto(app.url + "/inbox/all/")
    live(page)
    page.locator("[data-count-key=all] .count", has_text="0").wait_for()  # loaded after the list

    post_through_api_channel(app, "Salom")

    page.locator("[data-count-key=all] .count", has_text="1").wait_for()
    assert page.locator("[data-count-key=unassigned] .count").inner_text() == "1"


def test_slash_inserts_a_canned_response_rendered_for_the_customer(app: App, page: Any) -> None:
    from javob.automation.actions import CannedInput, check_save_canned
    from javob.automation.models import CannedResponse

    cast = app.cast
    check_save_canned(
        cast.alice, CannedInput("thanks", "Thanks", {"en": "Rahmat, {{contact.name}}!"})
    )
    check_save_canned(cast.alice, CannedInput("wait", "Wait", {"en": "Bir daqiqa"}))
    conversation_id = receive_message(
        inbound(cast.inbox_a.pk, "c-1", "Salom!", name="Dilnoza")
    ).message.conversation_id
    sign_in(page, app, cast.alice)
    page.goto(f"{app.url}/conversations/{conversation_id}/")
    live(page)
    # `/` at the start of an empty reply opens the picker; typing narrows it
    page.keyboard.press("r")
    page.keyboard.press("/")
    page.locator("#canned-q").wait_for()
    # the picker takes the focus once it is shown
    expect(page.locator("#canned-q")).to_be_focused()
    assert page.locator(".canned-choice").count() == 2
    page.keyboard.type("tha")
    page.locator(".canned-choice").nth(1).wait_for(state="detached")
    screenshot(page, "canned-picker")
    # Enter inserts the first match and closes the picker
    page.keyboard.press("Enter")
    page.locator("#canned").wait_for(state="detached")

    assert page.input_value("#composer-text") == "Rahmat, Dilnoza!"
    assert CannedResponse.objects.get(shortcut="thanks").usage_count == 1
