"""Threading: the same mails give the same conversations in any arrival order; subject
numbers join only participants; reply tokens; newsletters never merge."""

from __future__ import annotations

import random

import pytest

from conftest import Cast
from javob.connectors.email.actions import store_mail
from javob.connectors.email.models import MailSource
from javob.connectors.email.tests.support import conversation_of, email_inbox, mail, process_all
from javob.connectors.email.threading import reply_token
from javob.conversations.models import Conversation, Inbox

pytestmark = pytest.mark.django_db

DILNOZA = "Dilnoza <dilnoza@customer.example>"
TIMUR = "Timur <timur@customer.example>"
NEWS = "Shop news <news@vendor.example>"


def _corpus() -> dict[str, bytes]:
    """Three customer threads (one with a client that sends only In-Reply-To, one whose root
    never arrives), and two newsletters with the first thread's subject."""
    return {
        "a": mail(sender=DILNOZA, message_id="<a@c>", subject="Buyurtma"),
        "b": mail(
            sender=TIMUR,
            message_id="<b@c>",
            subject="Re: Buyurtma",
            references="<a@c>",
            in_reply_to="<a@c>",
            cc="dilnoza@customer.example",
        ),
        "c": mail(
            sender=DILNOZA,
            message_id="<c@c>",
            subject="Re: Buyurtma",
            references="<a@c> <b@c>",
            in_reply_to="<b@c>",
        ),
        "d": mail(sender=DILNOZA, message_id="<d@c>", subject="Re: Buyurtma", in_reply_to="<c@c>"),
        "e": mail(sender=TIMUR, message_id="<e@c>", subject="Invoice"),
        "f": mail(sender=TIMUR, message_id="<f@c>", subject="Re: Invoice", in_reply_to="<e@c>"),
        "g": mail(
            sender=TIMUR,
            message_id="<g@c>",
            subject="Re: Invoice",
            references="<e@c> <f@c>",
            in_reply_to="<f@c>",
        ),
        "h": mail(sender=DILNOZA, message_id="<h@c>", subject="Re: old", references="<gone@c>"),
        "i": mail(
            sender=DILNOZA, message_id="<i@c>", subject="Re: old", references="<gone@c> <x@c>"
        ),
        "n1": mail(
            sender=NEWS,
            message_id="<n1@v>",
            subject="Buyurtma",
            headers={"List-Id": "<news.vendor.example>"},
        ),
        "n2": mail(
            sender=NEWS,
            message_id="<n2@v>",
            subject="Buyurtma",
            headers={"List-Id": "<news.vendor.example>"},
        ),
    }


EXPECTED = {
    frozenset("abcd"),
    frozenset("efg"),
    frozenset("hi"),
    frozenset({"n1"}),
    frozenset({"n2"}),
}


def _import(inbox: Inbox, order: list[str], corpus: dict[str, bytes]) -> set[frozenset[str]]:
    for key in order:
        store_mail(inbox, corpus[key], MailSource.IMPORT)
    assert set(process_all()) == {"message"}
    groups: dict[int, set[str]] = {}
    for key in corpus:
        message_id = f"<{key}@c>" if len(key) == 1 else f"<{key}@v>"
        groups.setdefault(conversation_of(message_id, inbox).pk, set()).add(key)
    return {frozenset(group) for group in groups.values()}


def _orders() -> list[list[str]]:
    keys = list(_corpus())
    orders = [keys, keys[::-1]]
    for seed in range(6):
        shuffled = keys[:]
        random.Random(seed).shuffle(shuffled)
        orders.append(shuffled)
    return orders


@pytest.mark.parametrize("order", _orders(), ids=lambda order: "".join(order))
def test_any_arrival_order_gives_the_same_conversations(cast: Cast, order: list[str]) -> None:
    # given the same mails, arriving in this order
    inbox = email_inbox(cast.a)
    # when they are received
    groups = _import(inbox, order, _corpus())
    # then they group into the same conversations, with no conversation left over
    assert groups == EXPECTED
    live = Conversation.objects.filter(inbox=inbox, merged_into__isnull=True).count()
    assert live == len(EXPECTED)


def test_every_order_ever_tried_agrees_within_one_workspace(cast: Cast) -> None:
    # property style: many orders into separate inboxes of one workspace
    corpus = _corpus()
    keys = list(corpus)
    results = set()
    for seed in range(4):
        order = keys[:]
        random.Random(100 + seed).shuffle(order)
        inbox = email_inbox(cast.a, address=f"support{seed}@shop.example")
        results.add(frozenset(_import(inbox, order, corpus)))
    assert results == {frozenset(EXPECTED)}


def _first_conversation(cast: Cast) -> tuple[Inbox, Conversation]:
    inbox = email_inbox(cast.a)
    store_mail(inbox, mail(sender=DILNOZA, message_id="<root@c>"), MailSource.IMAP)
    process_all()
    return inbox, conversation_of("<root@c>")


def test_a_stranger_citing_a_conversation_number_does_not_join_it(cast: Cast) -> None:
    # given Dilnoza's conversation
    inbox, conversation = _first_conversation(cast)
    # when a stranger writes with its number in the subject
    stranger = mail(
        sender="Stranger <who@else.example>",
        message_id="<s@c>",
        subject=f"Re: Buyurtma [#{conversation.number}]",
    )
    store_mail(inbox, stranger, MailSource.IMAP)
    process_all()
    # then the stranger gets a conversation of their own
    assert conversation_of("<s@c>").pk != conversation.pk
    assert conversation_of("<s@c>").contact.name == "Stranger"


def test_a_participant_citing_the_number_joins(cast: Cast) -> None:
    # given Dilnoza's conversation
    inbox, conversation = _first_conversation(cast)
    # when she writes again, from a client that drops References, keeping the number
    again = mail(
        sender=DILNOZA,
        message_id="<again@c>",
        subject=f"Fwd: Re: Buyurtma [#{conversation.number}]",
    )
    store_mail(inbox, again, MailSource.IMAP)
    process_all()
    # then the mail joins her conversation
    assert conversation_of("<again@c>").pk == conversation.pk


def test_a_reply_token_joins_even_without_any_reference(cast: Cast) -> None:
    # given a conversation with a reply token
    inbox = email_inbox(cast.a, reply_domain="reply.shop.example")
    store_mail(inbox, mail(sender=DILNOZA, message_id="<root@c>"), MailSource.IMAP)
    process_all()
    conversation = conversation_of("<root@c>")
    token = reply_token(conversation)
    # when a colleague of hers answers to reply+<token>@, with a new subject and no headers
    reply = mail(
        sender="Colleague <kamola@customer.example>",
        to=f"reply+{token}@reply.shop.example",
        message_id="<tok@c>",
        subject="Something else",
    )
    store_mail(inbox, reply, MailSource.IMAP)
    process_all()
    # then it joins that conversation
    assert conversation_of("<tok@c>").pk == conversation.pk


def test_newsletters_with_one_subject_stay_apart(cast: Cast) -> None:
    inbox = email_inbox(cast.a)
    for n in range(3):
        store_mail(
            inbox,
            mail(
                sender=NEWS,
                message_id=f"<nl{n}@v>",
                subject="Weekly deals",
                headers={"List-Id": "<deals.vendor.example>"},
            ),
            MailSource.IMAP,
        )
    process_all()
    numbers = {conversation_of(f"<nl{n}@v>").pk for n in range(3)}
    assert len(numbers) == 3
