"""The packaged sentiment model on hand-written support messages."""

import csv
import json
from importlib import resources
from pathlib import Path

import pytest

from javob.intelligence.sentiment import LABELS, Sentiment, SentimentModel, model, predict

DATA = Path(__file__).parent / "data"


def test_the_artifact_ships_in_the_package_as_arrays_and_json() -> None:
    root = resources.files("javob.intelligence").joinpath("artifacts")
    meta = json.loads(root.joinpath("sentiment-v1.json").read_text("utf-8"))
    assert meta["format"] == "javob.sentiment/1"
    assert meta["labels"] == ["negative", "neutral", "positive"]
    size = Path(str(root.joinpath("sentiment-v1.npz"))).stat().st_size
    assert size < 30_000_000


def test_model_is_loaded_once_per_process() -> None:
    assert model() is model()


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Zo'r do'kon, hammasi tez keldi, rahmat!", "positive"),
        ("Zor dokon hammasi tez keldi rahmat", "positive"),
        ("Зўр дўкон, ҳаммаси тез келди, раҳмат!", "positive"),
        ("Отличный магазин, спасибо!", "positive"),
        ("Great service, thank you!", "positive"),
        ("Buyurtma qachon yetib keladi?", "neutral"),
        ("Когда придёт мой заказ?", "neutral"),
        ("When will my order arrive?", "neutral"),
        ("Juda yomon sifat, puldan afsuslandim 😡", "negative"),
        ("Жуда ёмон сифат, пулдан афсусландим", "negative"),
        ("Ужасное качество, жалею о покупке", "negative"),
        ("Terrible quality, I regret buying this", "negative"),
    ],
)
def test_clear_cases_in_the_first_market_languages(text: str, label: str) -> None:
    assert predict(text).label == label


def test_score_and_probabilities_are_consistent() -> None:
    result = predict("Ajoyib xizmat, rahmat!")
    negative, neutral, positive = result.probabilities
    assert result.score == round(positive - negative, 4)
    assert result.confidence == max(result.probabilities)
    assert -1.0 <= result.score <= 1.0
    assert round(negative + neutral + positive, 3) == 1.0


def test_labels_restrict_the_decision_for_two_class_data() -> None:
    result = model().predict("Buyurtma qachon keladi?", "uz-Latn", labels=("negative", "positive"))
    assert result.label in ("negative", "positive")
    assert result.probabilities[1] == 0.0


def test_unknown_labels_are_refused() -> None:
    with pytest.raises(
        ValueError, match=r"Expected labels among negative, neutral, positive; got \['pos'\]"
    ):
        model().predict("ok", "en", labels=("pos",))


def test_to_dict_names_the_probabilities() -> None:
    data = Sentiment("neutral", 0.1, 0.5, (0.2, 0.5, 0.3)).to_dict()
    assert data == {
        "label": "neutral",
        "score": 0.1,
        "confidence": 0.5,
        "probabilities": {"negative": 0.2, "neutral": 0.5, "positive": 0.3},
    }


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    packaged = model()
    packaged.save(tmp_path, "copy")
    again = SentimentModel.load(tmp_path, "copy")
    text = "Kuryer juda xushmuomala ekan"
    assert again.predict(text, "uz-Latn") == packaged.predict(text, "uz-Latn")
    assert LABELS == ("negative", "neutral", "positive")


def test_hand_written_support_messages() -> None:
    # given 68 support messages in Uzbek (both scripts), Russian and English
    with (DATA / "sentiment_handwritten.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # when classified
    right = sum(predict(row["text"]).label == row["label"] for row in rows)
    # then (docs/intelligence.md reports the same figure)
    assert (len(rows), right) == (68, HANDWRITTEN_RIGHT)


HANDWRITTEN_RIGHT = 60  # of 68; docs/intelligence.md lists the misses
