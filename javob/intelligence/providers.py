"""Swappable implementations of language, sentiment, intent and translation, and ``analyze``.

An install switches a component by naming a class in settings (dotted path, imported on
first use, instantiated without arguments)::

    JAVOB_AI_LANGUAGE_PROVIDER = "javob.intelligence.providers.OfflineLanguage"
    JAVOB_AI_SENTIMENT_PROVIDER = "javob.intelligence.providers.OfflineSentiment"
    JAVOB_AI_INTENT_PROVIDER = "javob.intelligence.providers.OfflineIntent"
    JAVOB_AI_TRANSLATION_PROVIDER = "javob.intelligence.providers.NoTranslation"

Those are the defaults, all offline. A larger local model or an external service only has
to satisfy the Protocol below; the rest of Javob calls ``get_*()`` and never imports an
implementation directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, runtime_checkable

from django.conf import settings
from django.utils.module_loading import import_string

from javob.intelligence import pii
from javob.intelligence.language import Detection, detect
from javob.intelligence.sentiment import Sentiment
from javob.intelligence.sentiment import model as sentiment_model


@runtime_checkable
class LanguageProvider(Protocol):
    def detect(self, text: str) -> Detection: ...


@runtime_checkable
class SentimentProvider(Protocol):
    def sentiment(self, text: str, language: str | None = None) -> Sentiment: ...


@runtime_checkable
class IntentClassifier(Protocol):
    """A trained intent set: what ``IntentProvider`` builds and the core stores."""

    def predict(self, text: str) -> tuple[str | None, float]: ...

    def to_json(self) -> str: ...


@runtime_checkable
class IntentProvider(Protocol):
    def train(self, examples: list[tuple[str, str]]) -> IntentClassifier: ...

    def load(self, data: str) -> IntentClassifier: ...

    def default(self) -> IntentClassifier: ...


@dataclass(frozen=True, slots=True)
class Translation:
    text: str
    source: str
    target: str


@runtime_checkable
class TranslationProvider(Protocol):
    def translate(self, text: str, target: str, source: str | None = None) -> Translation | None:
        """The translation, or None when this provider cannot translate the pair."""
        ...


class OfflineLanguage:
    """CLD2 + py3langid + Uzbek and Turkic letter rules (language.py)."""

    def detect(self, text: str) -> Detection:
        return detect(text)


class OfflineSentiment:
    """The packaged hashed n-gram model (sentiment.py)."""

    def sentiment(self, text: str, language: str | None = None) -> Sentiment:
        return sentiment_model().predict(text, language)


class OfflineIntent:
    """Few-shot logistic regression with out-of-scope threshold (intent.py)."""

    def train(self, examples: list[tuple[str, str]]) -> IntentClassifier:
        from javob.intelligence.intent import IntentModel

        return IntentModel.train(examples, with_default_oos=True)

    def load(self, data: str) -> IntentClassifier:
        from javob.intelligence.intent import IntentModel

        return IntentModel.from_json(data)

    def default(self) -> IntentClassifier:
        from javob.intelligence.intent import default_model

        return default_model()


class NoTranslation:
    """The offline build ships no translation model: it always answers None."""

    def translate(self, text: str, target: str, source: str | None = None) -> Translation | None:
        return None


_DEFAULTS = {
    "JAVOB_AI_LANGUAGE_PROVIDER": "javob.intelligence.providers.OfflineLanguage",
    "JAVOB_AI_SENTIMENT_PROVIDER": "javob.intelligence.providers.OfflineSentiment",
    "JAVOB_AI_INTENT_PROVIDER": "javob.intelligence.providers.OfflineIntent",
    "JAVOB_AI_TRANSLATION_PROVIDER": "javob.intelligence.providers.NoTranslation",
}


@cache
def _instance(path: str) -> object:
    return import_string(path)()


def _load(setting: str) -> tuple[str, object]:
    # Read at call time, not import time: tests and installs may change the setting.
    path = getattr(settings, setting, None) or _DEFAULTS[setting]
    return path, _instance(path)


def _wrong(setting: str, path: str, protocol: str) -> TypeError:
    return TypeError(f"{setting}={path!r} does not implement {protocol}.")


def get_language() -> LanguageProvider:
    path, provider = _load("JAVOB_AI_LANGUAGE_PROVIDER")
    if not isinstance(provider, LanguageProvider):
        raise _wrong("JAVOB_AI_LANGUAGE_PROVIDER", path, "LanguageProvider")
    return provider


def get_sentiment() -> SentimentProvider:
    path, provider = _load("JAVOB_AI_SENTIMENT_PROVIDER")
    if not isinstance(provider, SentimentProvider):
        raise _wrong("JAVOB_AI_SENTIMENT_PROVIDER", path, "SentimentProvider")
    return provider


def get_intent() -> IntentProvider:
    path, provider = _load("JAVOB_AI_INTENT_PROVIDER")
    if not isinstance(provider, IntentProvider):
        raise _wrong("JAVOB_AI_INTENT_PROVIDER", path, "IntentProvider")
    return provider


def get_translation() -> TranslationProvider:
    path, provider = _load("JAVOB_AI_TRANSLATION_PROVIDER")
    if not isinstance(provider, TranslationProvider):
        raise _wrong("JAVOB_AI_TRANSLATION_PROVIDER", path, "TranslationProvider")
    return provider


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the enrichment task stores for one message."""

    language: Detection
    sentiment: Sentiment
    pii: tuple[pii.Span, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language.to_dict(),
            "sentiment": self.sentiment.to_dict(),
            "pii": [span.to_dict() for span in self.pii],
        }


def analyze(text: str) -> Analysis:
    """Language, sentiment and personal-data spans of one message, in one call.

    The sentiment model reads the detected language, so ``und`` messages are scored
    without a language block; the caller may re-run it with the conversation's language.
    """
    detection = get_language().detect(text)
    feeling = get_sentiment().sentiment(text, detection.language)
    return Analysis(detection, feeling, tuple(pii.find(text)))
