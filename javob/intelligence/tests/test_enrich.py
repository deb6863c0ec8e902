"""The wiring: message stored -> enriched -> conversation updated (the realtime event is in
javob/realtime/tests/test_recipients.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from javob.conversations.actions import check_send_reply, receive_message
from javob.conversations.insights import running_label, running_score, sentiment_of
from javob.conversations.models import Conversation, Message
from javob.conversations.tests.factories import inbound
from javob.intelligence.actions import (
    check_add_intent_example,
    check_delete_intent_example,
    do_train_intents,
)
from javob.intelligence.logfilter import MaskPersonalData
from javob.intelligence.models import IntentExample, IntentSet
from javob.intelligence.steps import enrich

pytestmark = pytest.mark.django_db


_commit: list[Callable[..., Any]] = []


@pytest.fixture(autouse=True)
def _after_commit(on_commit: Callable[..., Any]) -> Iterator[None]:
    """Lets the helpers below run what actions schedule after commit, as production does."""
    _commit.append(on_commit)
    yield
    _commit.clear()


def receive(cast: Cast, text: str, sender: str = "cust-1", inbox_id: int = 0) -> Message:
    with _commit[0]():
        return receive_message(inbound(inbox_id or cast.inbox_a.pk, sender, text)).message


def add_example(cast: Cast, intent: str, text: str) -> IntentExample:
    with _commit[0]():
        return check_add_intent_example(cast.alice, intent, text)


def delete_example(cast: Cast, example_id: int) -> None:
    with _commit[0]():
        check_delete_intent_example(cast.alice, example_id)


def fresh(message: Message) -> Message:
    return Message.objects.select_related("conversation").get(pk=message.pk)


def test_an_uzbek_complaint_is_enriched_and_sets_the_conversation(cast: Cast) -> None:
    text = (
        "Buyurtmam hali ham kelmadi, juda yomon xizmat! Kartam 8600 1234 5678 9012 dan pul yechildi"
    )
    message = fresh(receive(cast, text))

    assert message.language == "uz-Latn"
    assert message.sentiment == "negative"
    assert message.sentiment_score is not None
    assert message.sentiment_score < -0.25
    assert message.pii_spans == [
        {"start": text.index("8600"), "end": text.index(" dan"), "kind": "card"}
    ]
    assert message.enriched_at is not None
    conversation = message.conversation
    assert conversation.language == "uz-Latn"
    assert conversation.sentiment == "negative"
    assert conversation.sentiment_score == round(message.sentiment_score, 4)


def test_a_one_word_reply_inherits_the_conversation_language(cast: Cast) -> None:
    receive(cast, "Здравствуйте, я не могу войти в свой аккаунт уже второй день")
    short = fresh(receive(cast, "ok"))

    assert short.language == "ru"
    assert short.conversation.language == "ru"


def test_a_first_message_too_short_to_tell_stays_undetermined(cast: Cast) -> None:
    message = fresh(receive(cast, "ok"))

    assert message.language == "und"
    assert message.conversation.language == ""


def test_the_conversation_follows_the_customer_switching_language(cast: Cast) -> None:
    receive(cast, "Здравствуйте, я не могу войти в свой аккаунт уже второй день")
    message = fresh(receive(cast, "Hello, I still cannot sign in to my account, please help"))

    assert message.language == "en"
    assert message.conversation.language == "en"


def test_mood_is_a_recency_weighted_mean_of_the_last_messages() -> None:
    assert running_score([]) is None
    assert running_score([0.8]) == 0.8
    # newest first: 1.0 weighs 1, -1.0 weighs 0.5 -> (1 - 0.5) / 1.5
    assert running_score([1.0, -1.0]) == round(0.5 / 1.5, 4)
    assert running_score([0.9] * 7) == 0.9
    assert [sentiment_of(s) for s in (-0.26, -0.25, 0.25, 0.26)] == [
        "negative",
        "neutral",
        "neutral",
        "positive",
    ]


def test_enrichment_runs_once_and_skips_agent_messages(cast: Cast) -> None:
    message = receive(cast, "Rahmat, hammasi zo'r!")
    first = fresh(message)
    reply = check_send_reply(cast.alice, message.conversation_id, "Arzimaydi")

    enrich(message.pk)  # a retried task
    enrich(reply.pk)

    again = fresh(message)
    assert again.enriched_at == first.enriched_at
    assert fresh(reply).enriched_at is None
    assert fresh(reply).language == ""


def test_default_intents_apply_until_the_workspace_trains_its_own(cast: Cast) -> None:
    default = fresh(receive(cast, "Buyurtmam qayerda? Hali yetib kelmadi", sender="a"))
    assert default.intent == "order_status"

    for text in ("Kuryer qachon keladi?", "Where is the courier?", "Курьер где?"):
        add_example(cast, "courier", text)
    for text in ("Chegirma bormi?", "Do you have a discount?", "Есть скидка?"):
        add_example(cast, "discount", text)

    intent_set = IntentSet.objects.get(workspace=cast.a)
    # trained after each example from the fourth on, the first with two intents
    assert intent_set.version == 3
    assert intent_set.intents == ["courier", "discount"]
    assert intent_set.example_count == 6
    assert intent_set.stale is False
    message = fresh(receive(cast, "Do you have any discount for students?", sender="b"))
    assert message.intent == "discount"
    assert message.intent_score is not None
    # workspace B still uses the default set
    other = receive(cast, "Buyurtmam qayerda? Hali yetib kelmadi", "c", cast.inbox_b.pk)
    assert fresh(other).intent == "order_status"


def test_a_failed_training_keeps_the_previous_set(cast: Cast) -> None:
    add_example(cast, "courier", "Kuryer qachon keladi?")

    intent_set = IntentSet.objects.get(workspace=cast.a)
    assert intent_set.version == 0
    assert intent_set.model == ""
    assert intent_set.error == "An intent model needs examples of at least two intents."


def test_deleting_every_example_returns_to_the_default_set(cast: Cast) -> None:
    a = add_example(cast, "courier", "Kuryer qachon keladi?")
    b = add_example(cast, "discount", "Chegirma bormi?")
    delete_example(cast, a.pk)
    delete_example(cast, b.pk)

    intent_set = IntentSet.objects.get(workspace=cast.a)
    assert (intent_set.model, intent_set.intents, intent_set.example_count) == ("", [], 0)
    assert intent_set.version == 2
    assert do_train_intents(cast.a.pk).version == 2  # not stale: nothing retrained


def test_agents_cannot_change_the_intent_set(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.bob.user)

    response = client.post(
        "/api/v1/intents/examples",
        {"intent": "x", "text": "y"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert response.json()["detail"] == "Only owners and admins can change the intent set."
    assert not IntentSet.objects.exists()


def test_intent_api_round_trip_and_isolation(cast: Cast) -> None:
    alice, charlie = Client(), Client()
    alice.force_login(cast.alice.user)
    charlie.force_login(cast.charlie.user)
    for intent, text in [("courier", "Kuryer qachon keladi?"), ("discount", "Chegirma bormi?")]:
        with _commit[0]():
            created = alice.post(
                "/api/v1/intents/examples",
                {"intent": intent, "text": text},
                content_type="application/json",
            )
        assert created.status_code == 201

    state = alice.get("/api/v1/intents").json()
    assert (state["version"], state["intents"], state["training"]) == (
        1,
        ["courier", "discount"],
        False,
    )
    examples = alice.get("/api/v1/intents/examples").json()
    assert [(e["intent"], e["text"]) for e in examples] == [
        ("courier", "Kuryer qachon keladi?"),
        ("discount", "Chegirma bormi?"),
    ]
    assert alice.get("/api/v1/intents/guess", {"text": "kuryer qachon"}).json()["intent"] == (
        "courier"
    )
    assert charlie.get("/api/v1/intents/examples").json() == []
    assert charlie.delete(f"/api/v1/intents/examples/{examples[0]['id']}").status_code == 404
    assert alice.delete(f"/api/v1/intents/examples/{examples[0]['id']}").status_code == 204


def test_conversations_filter_by_language_family_and_sentiment(cast: Cast) -> None:
    latin = receive(cast, "Buyurtmam hali ham kelmadi, juda yomon xizmat!", sender="l")
    cyrillic = receive(cast, "Буюртмам ҳали ҳам келмади, жуда ёмон хизмат!", sender="c")
    receive(cast, "Thank you so much, everything arrived and it is wonderful!", sender="e")
    client = Client()
    client.force_login(cast.alice.user)

    def numbers(**params: str) -> list[int]:
        items = client.get("/api/v1/conversations", params).json()["items"]
        return sorted(item["id"] for item in items)

    both = sorted([latin.conversation_id, cyrillic.conversation_id])
    assert numbers(language="uz") == both
    assert numbers(language="uz-Cyrl") == [cyrillic.conversation_id]
    assert numbers(sentiment="negative") == both
    assert client.get("/api/v1/conversations", {"sentiment": "angry"}).json()["field"] == (
        "sentiment"
    )
    assert Conversation.objects.get(pk=cyrillic.conversation_id).language == "uz-Cyrl"


def test_log_lines_have_personal_data_masked() -> None:
    record = logging.LogRecord(
        "javob", logging.WARNING, __file__, 1, "Provider said: %s", ("card 8600123456789012",), None
    )

    assert MaskPersonalData().filter(record) is True
    assert record.getMessage() == "Provider said: card ••••••••••••9012"


def test_mood_follows_the_labels_of_the_last_messages_newest_weighing_most() -> None:
    assert running_label([]) == ""
    assert running_label(["neutral"]) == "neutral"
    # newest first, weights 1, 0.7, 0.49: one newer message against one older
    assert running_label(["negative", "positive"]) == "negative"
    # two older messages (0.7 + 0.49) outvote the newest (1)
    assert running_label(["negative", "positive", "positive"]) == "positive"
    assert running_label(["positive", "neutral", "negative"]) == "positive"
