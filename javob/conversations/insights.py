"""Storing what the language models found in a customer message, and what follows for the
conversation: its language and the customer's running sentiment.

The conversation's values are recomputed from its messages every time, not updated
incrementally, so a retried or out-of-order enrichment gives the same result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from javob.conversations.events import announce
from javob.conversations.models import Conversation, Direction, Message, Sentiment

UNDETERMINED = "und"
# The customer's mood follows their last few messages, the newest weighing most.
SENTIMENT_WINDOW = 5
SENTIMENT_DECAY = 0.5
# The mood's vote decays more slowly: two earlier messages outvote the newest one.
LABEL_DECAY = 0.7
# Scores are P(positive) - P(negative); between these bounds the mood reads as neutral.
NEGATIVE_BELOW = -0.25
POSITIVE_ABOVE = 0.25


@dataclass(frozen=True, slots=True)
class Insights:
    """The enrichment of one message; `language` is a BCP 47 tag or "und"."""

    language: str
    sentiment: str
    sentiment_score: float
    intent: str = ""
    intent_score: float | None = None
    pii_spans: list[dict[str, Any]] = field(default_factory=list)


def do_store_insights(message_id: int, insights: Insights) -> Message | None:
    """Write `insights` on an incoming message and refresh its conversation; announce both.

    Returns None when the message is gone or not a customer message.
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(pk=message_id, direction=Direction.INCOMING)
            .first()
        )
        if message is None:
            return None
        conversation = Conversation.objects.select_for_update().get(pk=message.conversation_id)
        _write(message, insights)
        changed = _refresh(conversation)
        if changed:
            conversation.save(update_fields=changed)
        announce(conversation, "message.enriched", {"message": insights_payload(message)})
    return message


def _write(message: Message, insights: Insights) -> None:
    message.language = insights.language
    message.sentiment = insights.sentiment
    message.sentiment_score = insights.sentiment_score
    message.intent = insights.intent
    message.intent_score = insights.intent_score
    message.pii_spans = insights.pii_spans
    message.enriched_at = timezone.now()
    message.save(
        update_fields=[
            "language",
            "sentiment",
            "sentiment_score",
            "intent",
            "intent_score",
            "pii_spans",
            "enriched_at",
        ]
    )


def _refresh(conversation: Conversation) -> list[str]:
    """Recompute language and mood from the enriched customer messages; the changed fields."""
    recent = list(
        Message.objects.filter(
            conversation_id=conversation.pk,
            direction=Direction.INCOMING,
            enriched_at__isnull=False,
        )
        .order_by("-created_at", "-id")
        .values_list("language", "sentiment", "sentiment_score")[:SENTIMENT_WINDOW]
    )
    changed = []
    language = next((lang for lang, _m, _s in recent if lang and lang != UNDETERMINED), "")
    if language and language != conversation.language:
        conversation.language = language
        changed.append("language")
    score = running_score([s for _lang, _m, s in recent if s is not None])
    mood = running_label([m for _lang, m, _s in recent if m])
    if score is not None and (score, mood) != (
        conversation.sentiment_score,
        conversation.sentiment,
    ):
        conversation.sentiment_score = score
        conversation.sentiment = mood or sentiment_of(score)
        changed += ["sentiment_score", "sentiment"]
    return changed


def running_label(newest_first: list[str]) -> str:
    """The mood the last messages' labels vote for, the newer weighing more (ties: newest).

    Read from the messages' own labels, so one message and its conversation never disagree.
    """
    votes: dict[str, float] = {}
    for age, label in enumerate(newest_first):
        votes[label] = votes.get(label, 0.0) + LABEL_DECAY**age
    if not votes:
        return ""
    best = max(votes.values())
    return next(label for label in newest_first if votes[label] == best)


def running_score(newest_first: list[float]) -> float | None:
    """The recency-weighted mean of message scores, newest first; None without any."""
    if not newest_first:
        return None
    weights = [SENTIMENT_DECAY**age for age in range(len(newest_first))]
    total = sum(w * s for w, s in zip(weights, newest_first, strict=True))
    return round(total / sum(weights), 4)


def sentiment_of(score: float) -> str:
    if score < NEGATIVE_BELOW:
        return Sentiment.NEGATIVE
    if score > POSITIVE_ABOVE:
        return Sentiment.POSITIVE
    return Sentiment.NEUTRAL


def insights_payload(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "language": message.language,
        "sentiment": message.sentiment,
        "sentiment_score": message.sentiment_score,
        "intent": message.intent,
        "intent_score": message.intent_score,
        "pii_spans": message.pii_spans,
    }
