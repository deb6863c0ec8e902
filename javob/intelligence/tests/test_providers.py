"""Providers switched by settings, and analyze()."""

import pytest
from django.test import override_settings

from javob.intelligence.language import Detection
from javob.intelligence.pii import Kind, Span
from javob.intelligence.providers import Analysis, analyze, get_sentiment, get_translation
from javob.intelligence.sentiment import Sentiment


class AlwaysPositive:
    def sentiment(self, text: str, language: str | None = None) -> Sentiment:
        return Sentiment("positive", 1.0, 1.0, (0.0, 0.0, 1.0))


class NotAProvider:
    pass


def test_analyze_gives_language_sentiment_and_pii_in_one_call() -> None:
    result = analyze("Pulimni qaytaring! Karta 4111 1111 1111 1111, juda yomon xizmat 😡")
    assert result.language == Detection("uz-Latn", "Latn", result.language.confidence)
    assert result.sentiment.label == "negative"
    assert result.pii == (Span(25, 44, Kind.CARD),)
    assert result.to_dict()["pii"] == [{"start": 25, "end": 44, "kind": "card"}]


def test_und_messages_are_still_scored() -> None:
    result = analyze("👍👍👍")
    assert (result.language.language, result.pii) == ("und", ())
    assert result.sentiment.label in ("negative", "neutral", "positive")


@override_settings(
    JAVOB_AI_SENTIMENT_PROVIDER="javob.intelligence.tests.test_providers.AlwaysPositive"
)
def test_a_dotted_path_setting_switches_the_provider() -> None:
    assert isinstance(get_sentiment(), AlwaysPositive)
    assert analyze("Juda yomon").sentiment == Sentiment("positive", 1.0, 1.0, (0.0, 0.0, 1.0))


@override_settings(
    JAVOB_AI_SENTIMENT_PROVIDER="javob.intelligence.tests.test_providers.NotAProvider"
)
def test_a_class_without_the_method_is_refused() -> None:
    with pytest.raises(TypeError, match="does not implement SentimentProvider"):
        get_sentiment()


def test_offline_build_has_no_translation() -> None:
    assert get_translation().translate("Salom", "ru") is None


def test_analysis_to_dict_shape() -> None:
    analysis = Analysis(
        Detection("ru", "Cyrl", 0.9), Sentiment("neutral", 0.0, 0.8, (0.1, 0.8, 0.1)), ()
    )
    assert analysis.to_dict() == {
        "language": {"language": "ru", "script": "Cyrl", "confidence": 0.9},
        "sentiment": {
            "label": "neutral",
            "score": 0.0,
            "confidence": 0.8,
            "probabilities": {"negative": 0.1, "neutral": 0.8, "positive": 0.1},
        },
        "pii": [],
    }
