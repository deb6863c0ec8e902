"""The conversation page: timeline, composer, every change, email frames, attachments and
the contact panel."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from javob.contacts.actions import ContactInput, check_update_contact
from javob.conversations import delivery
from javob.conversations.actions import (
    check_add_note,
    check_assign,
    check_send_reply,
    receive_message,
    store_attachment,
)
from javob.conversations.models import Attachment, Conversation, Delivery, Message
from javob.conversations.tests.factories import inbound
from javob.core.types import Identity, InboundMessage
from javob.web.tests.conftest import World, receive
from javob.web.tests.pages import text


def page(client: Client, conversation: Conversation, **params: str) -> str:
    response = client.get(f"/conversations/{conversation.pk}/", params)
    assert response.status_code == 200
    return text(response)


def post(client: Client, conversation: Conversation, what: str, **data: Any) -> str:
    response = client.post(f"/conversations/{conversation.pk}/{what}", data)
    assert response.status_code == 302, response.status_code
    return str(response["Location"])


def test_the_timeline_shows_messages_notes_and_events_in_order(world: World, alice: Client) -> None:
    cast, chat = world.cast, world.open_chat
    check_send_reply(cast.alice, chat.pk, "Buyurtmangiz yo'lda")
    check_add_note(cast.alice, chat.pk, "Kuryerga qo'ng'iroq qildim")
    check_assign(cast.alice, chat.pk, assignee_id=cast.bob.pk)

    body = page(alice, chat)

    items = re.findall(r'<li class="(msg-item \w+|event)"', body)
    assert items == [
        "event",  # conversation created
        "msg-item incoming",
        "msg-item outgoing",
        "msg-item note",
        "event",  # assigned
    ]
    assert "alice@example.com assigned it to bob@example.com" in body
    assert "Buyurtmam qayerda?" in body
    assert '<span class="badge dl-queued">Queued</span>' in body


def test_reply_note_assign_and_resolve_from_the_page(
    world: World, alice: Client, on_commit: Callable[..., Any]
) -> None:
    cast, chat = world.cast, world.open_chat

    with on_commit():
        assert (
            post(alice, chat, "message", text="Salom!", mode="reply")
            == f"/conversations/{chat.pk}/"
        )
    post(alice, chat, "message", text="Faqat agentlar uchun", mode="note")
    post(alice, chat, "assign", assignee_id=str(cast.bob.pk), team_id=str(cast.sales.pk))
    post(alice, chat, "status", status="resolved")

    sent = list(
        chat.messages.exclude(direction="incoming").order_by("id").values_list("direction", "text")
    )
    assert sent == [("outgoing", "Salom!"), ("note", "Faqat agentlar uchun")]
    chat.refresh_from_db()
    assert (chat.assignee_id, chat.team_id, chat.status) == (cast.bob.pk, cast.sales.pk, "resolved")


def test_an_empty_reply_is_refused_with_a_message(world: World, alice: Client) -> None:
    post(alice, world.open_chat, "message", text="  ", mode="reply")

    body = page(alice, world.open_chat)

    assert '<p class="msg error">The message is empty.</p>' in body
    assert world.open_chat.messages.count() == 1


def test_a_reply_carries_its_attachments(world: World, alice: Client) -> None:
    upload = SimpleUploadedFile("narxlar.pdf", b"%PDF-1.4 ...", content_type="application/pdf")

    post(
        alice, world.open_chat, "message", text="Narxlar ilova qilindi", mode="reply", files=upload
    )

    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.size, attachment.message.text) == (
        "narxlar.pdf",
        12,
        "Narxlar ilova qilindi",
    )
    assert f'href="/attachments/{attachment.pk}" download>narxlar.pdf</a>' in page(
        alice, world.open_chat
    )


def test_a_reply_may_be_only_a_file_but_a_note_may_not(world: World, alice: Client) -> None:
    upload = SimpleUploadedFile("chek.pdf", b"%PDF-1.4 chek", content_type="application/pdf")
    post(alice, world.open_chat, "message", text="", mode="reply", files=upload)

    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.message.text, attachment.message.direction) == (
        "chek.pdf",
        "",
        "outgoing",
    )

    note_file = SimpleUploadedFile("ichki.pdf", b"%PDF-1.4 ichki", content_type="application/pdf")
    post(alice, world.open_chat, "message", text=" ", mode="note", files=note_file)

    assert '<p class="msg error">The message is empty.</p>' in page(alice, world.open_chat)
    assert list(Attachment.objects.values_list("filename", flat=True)) == ["chek.pdf"]


def test_snooze_until_a_local_time_of_the_agent(world: World, alice: Client) -> None:
    cast = world.cast
    cast.alice.time_zone = "Asia/Tashkent"
    cast.alice.save(update_fields=["time_zone"])

    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False):
        post(alice, world.open_chat, "snooze", until="2026-11-24T09:00")

    world.open_chat.refresh_from_db()
    assert world.open_chat.status == "snoozed"
    assert world.open_chat.snoozed_until == dt.datetime(2026, 11, 24, 4, 0, tzinfo=dt.UTC)


def test_priority_and_labels(world: World, alice: Client) -> None:
    post(alice, world.open_chat, "priority", priority="urgent")
    post(alice, world.open_chat, "labels", labels="vip, yetkazib berish")

    world.open_chat.refresh_from_db()
    assert world.open_chat.priority == "urgent"
    assert sorted(world.open_chat.labels.values_list("name", flat=True)) == [
        "vip",
        "yetkazib berish",
    ]


def test_merge_into_another_conversation_by_its_number(world: World, alice: Client) -> None:
    target = world.support_chat

    location = post(alice, world.open_chat, "merge", into=f"#{target.number}")

    assert location == f"/conversations/{target.pk}/"
    world.open_chat.refresh_from_db()
    assert (world.open_chat.merged_into_id, world.open_chat.status) == (target.pk, "closed")
    # the merged conversation's page now leads to the survivor
    assert alice.get(f"/conversations/{world.open_chat.pk}/")["Location"] == location


def test_merge_into_a_conversation_of_another_workspace_is_refused(
    world: World, alice: Client
) -> None:
    post(alice, world.open_chat, "merge", into=str(world.other.number + 100))

    world.open_chat.refresh_from_db()
    assert world.open_chat.merged_into_id is None
    assert "No such conversation." in page(alice, world.open_chat)


def test_split_from_a_message(world: World, alice: Client) -> None:
    receive(world.cast.inbox_a.pk, "cust-open", "Boshqa savol: qaytarish")
    later = world.open_chat.messages.order_by("-id").first()
    assert later is not None

    response = alice.post(f"/messages/{later.pk}/split")

    new = Conversation.objects.get(split_from=world.open_chat)
    assert response["Location"] == f"/conversations/{new.pk}/"
    assert list(new.messages.values_list("text", flat=True)) == ["Boshqa savol: qaytarish"]


def _failed_reply(world: World) -> Message:
    message = check_send_reply(world.cast.alice, world.open_chat.pk, "Salom")
    claimed = delivery.claim(message.pk, now=timezone.now() + dt.timedelta(days=1))
    assert claimed is not None
    delivery.record_failure(claimed, "Bot was blocked by the user", permanent=True)
    return message


def test_a_failed_message_shows_its_reason_and_can_be_retried(world: World, alice: Client) -> None:
    message = _failed_reply(world)

    body = page(alice, world.open_chat)

    assert '<span class="badge dl-failed">Failed</span>' in body
    assert '<span class="error-text">Bot was blocked by the user</span>' in body
    assert f'action="/messages/{message.pk}/retry"' in body
    alice.post(f"/messages/{message.pk}/retry")
    message.refresh_from_db()
    assert message.delivery_status == Delivery.QUEUED


def _email(world: World) -> Message:
    mail = InboundMessage(
        inbox_id=world.cast.inbox_a.pk,
        sender=Identity("email", "dilnoza@example.uz"),
        external_id="<m1@example.uz>",
        text="Salom",
        html='<p onclick="x()">Salom <img src="https://tracker.example/p.gif"></p>'
        "<script>alert(1)</script>",
        subject="Buyurtma",
    )
    return receive_message(mail).message


def test_email_html_is_shown_sanitised_in_a_sandboxed_frame_without_remote_images(
    world: World, alice: Client
) -> None:
    message = _email(world)
    conversation = Conversation.objects.get(pk=message.conversation_id)

    body = page(alice, conversation)

    frame = re.search(r'<iframe class="mail"[^>]*>', body)
    assert frame is not None
    # no allow-scripts, no allow-same-origin: links may open in a new tab, nothing else
    assert ' sandbox="allow-popups allow-popups-to-escape-sandbox" ' in frame.group(0)
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', frame.group(0)).group(1))  # type: ignore[union-attr]
    assert 'img-src data: cid:"' in srcdoc
    assert '<p>Salom <img src="https://tracker.example/p.gif"></p>' in srcdoc
    assert "script" not in srcdoc.split("<body>")[1]
    assert "onclick" not in srcdoc
    assert f'href="?images={message.pk}#msg-{message.pk}"' in body


def test_show_images_lifts_the_block_for_that_message_only(world: World, alice: Client) -> None:
    message = _email(world)
    conversation = Conversation.objects.get(pk=message.conversation_id)

    body = page(alice, conversation, images=str(message.pk))

    assert html.escape('img-src data: cid: https: http:"') in body


def _attach(world: World, name: str, content_type: str) -> Attachment:
    message = world.open_chat.messages.order_by("id")[0]
    store_attachment(message, name, content_type, b"\x89PNG fake" if "png" in name else b"MZ")
    return Attachment.objects.get(filename=name)


def test_images_are_served_inline_and_other_files_as_downloads(world: World, alice: Client) -> None:
    image = _attach(world, "chek.png", "image/png")
    program = _attach(world, "virus.html", "text/html")

    shown = alice.get(f"/attachments/{image.pk}")
    saved = alice.get(f"/attachments/{program.pk}")

    assert (shown.status_code, shown["Content-Type"]) == (200, "image/png")
    assert shown["Content-Disposition"] == 'inline; filename="chek.png"'
    assert b"".join(shown.streaming_content) == b"\x89PNG fake"  # type: ignore[attr-defined]
    assert saved["Content-Type"] == "application/octet-stream"
    assert saved["Content-Disposition"] == 'attachment; filename="virus.html"'
    for response in (shown, saved):
        assert response["Content-Security-Policy"] == (
            "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
        )
        assert response["X-Content-Type-Options"] == "nosniff"
    assert f'<img src="/attachments/{image.pk}" alt="chek.png"' in page(alice, world.open_chat)


def test_the_contact_panel(world: World, alice: Client) -> None:
    cast = world.cast
    contact = world.open_chat.contact
    check_update_contact(
        cast.alice,
        contact.pk,
        ContactInput(
            name="Dilnoza",
            locale="uz",
            time_zone="Asia/Tashkent",
            custom_attributes={"plan": "Premium"},
        ),
    )
    earlier = receive(cast.inbox_a.pk, "cust-open", "Eski savol", thread_key="old")
    assert earlier.pk != world.open_chat.pk

    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC), tick=False):
        body = page(alice, world.open_chat)

    assert "<dt>API</dt><dd>cust-open</dd>" in body
    assert "<dt>Language</dt><dd>uz</dd>" in body
    assert '<span id="contact-time">3:30 p.m. there now</span>' in body
    assert "<dt>plan</dt><dd>Premium</dd>" in body
    assert f'<a href="/conversations/{earlier.pk}/">' in body


def test_the_conversation_page_costs_the_same_queries_for_any_number_of_messages(
    world: World, alice: Client, django_assert_num_queries: Any
) -> None:
    chat = world.open_chat
    with django_assert_num_queries(QUERIES_CONVERSATION):
        page(alice, chat)
    for n in range(6):
        receive_message(inbound(world.cast.inbox_a.pk, "cust-open", f"Savol {n}"))
        check_send_reply(world.cast.alice, chat.pk, f"Javob {n}")
    _attach(world, "chek.png", "image/png")
    with django_assert_num_queries(QUERIES_CONVERSATION):
        page(alice, chat)


# session, user, membership; access; the read mark (one upsert);; the conversation with its
# contact, inbox, assignee and team, then the identities; agents, teams; messages, their
# attachments, events; its labels, the workspace's labels; past conversations; the agent's
# macros (the Macros menu); the SLA timers with policy and calendar (the SLA state)
QUERIES_CONVERSATION = 17


def test_the_composer_points_slash_at_the_automation_apps_picker(
    world: World, alice: Client
) -> None:
    body = page(alice, world.open_chat)

    assert f'data-canned-url="/conversations/{world.open_chat.pk}/canned"' in body


@pytest.mark.urls("javob.web.tests.canned_urls")
def test_the_composer_points_slash_at_the_canned_picker(world: World, alice: Client) -> None:
    body = page(alice, world.open_chat)

    assert f'id="composer" data-canned-url="/canned/{world.open_chat.pk}"' in body


def test_a_long_conversation_shows_its_newest_messages_first(
    world: World, alice: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("javob.web.queries.TIMELINE_LIMIT", 2)
    for text_ in ("Ikkinchi", "Uchinchi"):
        receive_message(inbound(world.cast.inbox_a.pk, "cust-open", text_))

    short = page(alice, world.open_chat)
    full = page(alice, world.open_chat, all="1")

    assert re.findall(r'<div class="text">([^<]*)</div>', short) == ["Ikkinchi", "Uchinchi"]
    assert '<a href="?all=1">Show earlier messages</a>' in short
    assert re.findall(r'<div class="text">([^<]*)</div>', full) == [
        "Buyurtmam qayerda?",
        "Ikkinchi",
        "Uchinchi",
    ]
    assert "Show earlier messages" not in full
