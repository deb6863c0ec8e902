"""The web chat widget in a real browser, embedded in a page of another origin (the
customer's site), talking to the running app; the agent answers from a second browser."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from javob.connectors.email.actions import store_mail
from javob.connectors.email.models import MailSource
from javob.connectors.email.tests.servers import SmtpSink, start_sink, stopping
from javob.connectors.email.tests.support import email_inbox, mail, process_all
from javob.connectors.webchat.followup import email_unseen_replies
from javob.connectors.webchat.models import Visitor
from javob.connectors.webchat.tests.support import add_webchat
from javob.conversations.actions import check_send_reply
from javob.conversations.models import Conversation, Inbox, Message
from tests.browser.conftest import App, leave, live, screenshot, sign_in

pytestmark = pytest.mark.browser


@contextmanager
def shop_site(app: App, *, lang: str = "en", head: str = "") -> Iterator[Any]:
    """A shop's page on http://localhost:<port> (another origin than the app) that embeds the
    widget of `server.public_id`; `head` goes into its <head>."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = (
                f"<!doctype html><html lang='{lang}'><head><title>Shop</title>{head}</head>"
                "<body><h1>Shop</h1>"
                f"<script src='{app.url}/static/webchat/widget.js' "
                f"data-inbox='{server.public_id}' async></script></body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    server.public_id = ""
    server.url = f"http://localhost:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()


@pytest.fixture
def site(app: App) -> Iterator[Any]:
    """The shop's page embedding the widget of `site.public_id`."""
    with shop_site(app) as server:
        yield server


def embed(site: Any, app: App, **settings: str) -> Inbox:
    inbox = add_webchat(app.cast.a, allowed_origins=site.url, **settings)
    site.public_id = inbox.settings["public_id"]
    return inbox


def open_chat(chromium: Any, site: Any, locale: str = "uz-UZ") -> Any:
    page = chromium.new_context(viewport={"width": 1280, "height": 800}, locale=locale).new_page()
    page.set_default_timeout(10_000)
    page.goto(site.url + "/")
    page.locator("button.launcher").click()  # Playwright's CSS pierces the open shadow root
    page.locator("li.greeting").wait_for()  # the session has started
    return page


def say(page: Any, text: str) -> None:
    page.locator("textarea").fill(text)
    page.locator("textarea").press("Enter")


def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.05)


def wait_for_messages(count: int) -> list[str]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        texts = list(
            Message.objects.filter(direction="incoming")
            .order_by("id")
            .values_list("text", flat=True)
        )
        if len(texts) >= count:
            return texts
        time.sleep(0.1)
    return texts


def test_a_visitor_chats_with_an_agent_answering_from_another_browser(
    app: App, site: Any, chromium: Any, page: Any
) -> None:
    embed(site, app)
    visitor = open_chat(chromium, site)
    assert visitor.locator("button.send").inner_text() == "Yuborish"  # the visitor's Uzbek
    say(visitor, "Salom, buyurtmam qayerda?")
    assert wait_for_messages(1) == ["Salom, buyurtmam qayerda?"]
    assert visitor.locator("form.prechat").is_hidden()  # the optional form gave way
    conversation = Conversation.objects.get()

    sign_in(page, app, app.cast.alice)
    page.goto(f"{app.url}/conversations/{conversation.pk}/")
    live(page)
    page.fill("#composer-text", "Assalomu alaykum! Bugun yetkaziladi.")
    page.keyboard.press("Control+Enter")

    visitor.locator("li.theirs", has_text="Bugun yetkaziladi").wait_for()
    screenshot(visitor, "widget")
    reply = Message.objects.get(direction="outgoing")
    assert reply.delivery_status in ("sent", "read")
    leave(visitor)


def test_messages_written_while_the_connection_is_down_arrive_once(
    app: App, site: Any, chromium: Any
) -> None:
    embed(site, app)
    visitor = open_chat(chromium, site, locale="ru-RU")
    say(visitor, "Первое")
    assert wait_for_messages(1) == ["Первое"]

    visitor.context.set_offline(True)
    say(visitor, "Второе")
    visitor.locator("li.mine", has_text="Второе").wait_for()
    visitor.context.set_offline(False)

    assert wait_for_messages(2) == ["Первое", "Второе"]
    visitor.reload()  # a reload resends nothing twice and shows the history once
    visitor.locator("button.launcher").click()
    visitor.locator("li.mine", has_text="Второе").wait_for()
    assert visitor.locator("li.mine").count() == 2
    assert wait_for_messages(2) == ["Первое", "Второе"]
    leave(visitor)


def test_a_site_that_is_not_allowed_gets_no_chat(app: App, site: Any, chromium: Any) -> None:
    inbox = add_webchat(app.cast.a, allowed_origins="https://shop.example")
    site.public_id = inbox.settings["public_id"]
    page = chromium.new_context().new_page()
    page.goto(site.url + "/")
    page.locator("button.launcher").click()

    page.locator(".notice", has_text="This site may not use this chat.").wait_for()
    assert Visitor.objects.count() == 0
    leave(page)


def test_outside_hours_the_visitor_leaves_an_email_and_the_answer_follows_there(
    app: App, site: Any, chromium: Any
) -> None:
    tomorrow = (timezone.now() + dt.timedelta(days=1)).strftime("%a")
    embed(site, app, hours=f"{tomorrow} 09:00-10:00", time_zone="UTC", away_minutes="1")
    page = chromium.new_context(locale="en-US").new_page()
    page.goto(site.url + "/")
    page.locator("button.launcher").click()
    page.locator(".notice", has_text="We are away right now.").wait_for()
    page.locator("input[name=email]").fill("aziza@example.com")
    page.locator("form.prechat button[type=submit]").click()
    page.locator(".notice", has_text="We will answer by email").wait_for()
    say(page, "Do you ship to Samarkand?")
    assert wait_for_messages(1) == ["Do you ship to Samarkand?"]
    leave(page)  # the visitor leaves
    until(lambda: Visitor.objects.get().connections == 0)

    visitor = Visitor.objects.get()
    Visitor.objects.filter(pk=visitor.pk).update(
        last_seen_at=timezone.now() - dt.timedelta(minutes=2)
    )
    conversation = Conversation.objects.get()
    check_send_reply(app.cast.alice, conversation.pk, "Yes, in two days.")
    assert email_unseen_replies() == 1

    [sent] = django_mail.outbox
    assert sent.to == ["aziza@example.com"]
    assert "alice@example.com: Yes, in two days." in sent.body


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpSink]:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1"]
    yield from stopping(start_sink())


def test_the_visitor_answers_the_follow_up_by_email_and_comes_back_to_all_of_it(
    app: App, site: Any, chromium: Any, page: Any, smtp: SmtpSink
) -> None:
    # given a chat that continues through an email inbox sending through our SMTP server
    support = email_inbox(
        app.cast.a, smtp_host="127.0.0.1", smtp_port=str(smtp.port), smtp_security="plain"
    )
    embed(site, app, away_minutes="1", prechat_email="required", email_inbox=str(support.pk))
    visitor = chromium.new_context(locale="en-US").new_page()
    visitor.set_default_timeout(10_000)
    visitor.goto(site.url + "/")
    visitor.locator("button.launcher").click()
    visitor.locator("input[name=email]").fill("aziza@example.com")
    visitor.locator("form.prechat button[type=submit]").click()
    say(visitor, "Do you ship to Samarkand?")
    assert wait_for_messages(1) == ["Do you ship to Samarkand?"]
    conversation = Conversation.objects.get()
    # the agent sees the visitor on the page, then away once the tab is closed
    sign_in(page, app, app.cast.alice)
    page.goto(f"{app.url}/conversations/{conversation.pk}/")
    live(page)
    page.locator("#visitor-presence .online", has_text="Online on the page").wait_for()
    visitor.close()  # the tab; the browser (and the widget's localStorage) stays
    page.locator("#visitor-presence .away", has_text="Away since").wait_for()

    # when the answer goes out by email after the away time and the visitor answers it
    until(lambda: Visitor.objects.get().connections == 0)
    Visitor.objects.update(last_seen_at=timezone.now() - dt.timedelta(minutes=2))
    check_send_reply(app.cast.alice, conversation.pk, "Yes, in two days.")
    assert email_unseen_replies() == 1
    sent = message_from_bytes(smtp.mails[0].raw, policy=policy.default)
    store_mail(
        support,
        mail(
            sender="aziza@example.com",
            subject=f"Re: {sent['Subject']}",
            text="Great, please send it.",
            in_reply_to=str(sent["Message-ID"]),
            references=str(sent["Message-ID"]),
        ),
        MailSource.SMTP,
    )
    process_all()

    # then the agent sees it in the chat, and the visitor finds it there on return
    page.locator("#timeline", has_text="Great, please send it.").wait_for()
    back = visitor.context.new_page()
    back.set_default_timeout(10_000)
    back.goto(site.url + "/")
    back.locator("button.launcher").click()
    back.locator("li.mine", has_text="Great, please send it.").wait_for()
    assert back.locator("li.mine p").all_inner_texts() == [
        "Do you ship to Samarkand?",
        "Great, please send it.",
    ]
    assert back.locator("li.theirs p").all_inner_texts() == ["Yes, in two days."]
    page.locator("#visitor-presence .online", has_text="Online on the page").wait_for()
    assert Conversation.objects.count() == 1
    leave(back)
