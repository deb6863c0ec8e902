"""Few-shot intents: training, out-of-scope, serialisation, the default set."""

import json

import pytest

from javob.intelligence.intent import (
    OOS,
    IntentModel,
    default_examples,
    default_model,
    default_oos_examples,
)

SHOP = [
    ("Where is my order?", "order_status"),
    ("My order has not arrived", "order_status"),
    ("Buyurtmam qayerda?", "order_status"),
    ("Буюртмам қачон келади?", "order_status"),
    ("I want my money back", "refund"),
    ("Please refund me", "refund"),
    ("Pulimni qaytaring", "refund"),
    ("Верните деньги", "refund"),
    ("Thank you!", "thanks"),
    ("Rahmat katta", "thanks"),
    ("Спасибо большое", "thanks"),
    ("Thanks a lot", "thanks"),
]


@pytest.fixture(scope="module")
def shop() -> IntentModel:
    return IntentModel.train(SHOP, with_default_oos=True)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("where is my order", "order_status"),
        ("Buyurtmam qayerda qoldi", "order_status"),
        ("Буюртмам қаерда?", "order_status"),  # Cyrillic spelling of a Latin example
        ("pulimni qaytaringlar", "refund"),
        ("верните мои деньги", "refund"),
        ("raxmat", "thanks"),
    ],
)
def test_a_few_examples_per_intent_generalise_across_languages_and_scripts(
    shop: IntentModel, text: str, intent: str
) -> None:
    assert shop.predict(text)[0] == intent


@pytest.mark.parametrize(
    "text", ["What will the weather be tomorrow?", "Расскажи анекдот", "Osh qanday pishiriladi?"]
)
def test_small_talk_is_out_of_scope(shop: IntentModel, text: str) -> None:
    label, score = shop.predict(text)
    assert label is None
    assert 0.0 < score <= 1.0


def test_scores_cover_every_label_including_oos(shop: IntentModel) -> None:
    scores = shop.scores("refund please")
    assert sorted(scores) == ["oos", "order_status", "refund", "thanks"]
    assert round(sum(scores.values()), 4) == 1.0


def test_json_round_trip_keeps_predictions_exactly(shop: IntentModel) -> None:
    # given a trained model stored as JSON (as the core will keep it per workspace)
    stored = shop.to_json()
    # when it is loaded back
    loaded = IntentModel.from_json(stored)
    # then labels, threshold and predictions are the same
    assert (loaded.labels, loaded.threshold) == (shop.labels, shop.threshold)
    for text in ("where is my order", "Расскажи анекдот", "rahmat"):
        assert loaded.predict(text)[0] == shop.predict(text)[0]
        assert abs(loaded.predict(text)[1] - shop.predict(text)[1]) < 2e-3
    assert json.loads(stored)["format"] == "javob.intent/1"


def test_json_without_weights_retrains_with_the_stored_threshold(shop: IntentModel) -> None:
    loaded = IntentModel.from_json(shop.to_json(include_weights=False))
    assert loaded.threshold == shop.threshold
    assert loaded.predict("Buyurtmam qayerda?")[0] == "order_status"


def test_json_of_another_format_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"Expected an intent model in format javob.intent/1, got 'other'"
    ):
        IntentModel.from_json('{"format": "other"}')


def test_training_needs_two_intents() -> None:
    with pytest.raises(ValueError, match="at least two intents"):
        IntentModel.train([("hello", "greeting"), ("hi", "greeting"), ("weather?", OOS)])


def test_default_set_has_eleven_intents_in_four_varieties() -> None:
    examples = default_examples()
    assert len(examples) == 528
    assert sorted({label for _, label in examples}) == [
        "account_access",
        "cancel_order",
        "complaint",
        "delivery",
        "greeting",
        "human_agent",
        "order_status",
        "payment",
        "product_info",
        "refund",
        "thanks",
    ]
    assert len(default_oos_examples()) == 48


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Zakazim qayerda qoldi?", "order_status"),
        ("Заказим каерда?", "order_status"),
        ("Где мой заказ???", "order_status"),
        ("pulimni qaytaringlar", "refund"),
        ("operator kerak", "human_agent"),
        ("akkauntga kira olmayapman", "account_access"),
        ("Как оплатить картой?", "payment"),
        ("dostavka bormi Namanganga", "delivery"),
        ("Бу нарса жуда ёмон сифатли экан", "complaint"),
        ("Qancha turadi?", "product_info"),
        ("hello", "greeting"),
        ("Tell me a joke", None),
        ("Какая завтра погода?", None),
    ],
)
def test_default_model_from_the_packaged_artifact(text: str, intent: str | None) -> None:
    assert default_model().predict(text)[0] == intent


def test_default_model_is_loaded_once() -> None:
    assert default_model() is default_model()


def test_packaged_default_weights_match_the_packaged_examples() -> None:
    # If this fails, data/intents-default-v1.json changed: run `javob ai train intents`.
    from importlib import resources

    from javob.intelligence.intent import DEFAULT_MODEL

    artifact = resources.files("javob.intelligence").joinpath("artifacts", DEFAULT_MODEL)
    stored = IntentModel.from_json(artifact.read_text("utf-8"))
    expected = [*default_examples(), *((text, OOS) for text in default_oos_examples())]
    assert list(stored.examples) == expected
