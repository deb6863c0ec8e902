"""The enrichment step of the after-receive pipeline: language, sentiment, intent and PII."""

from __future__ import annotations

from javob.conversations.insights import UNDETERMINED, Insights, do_store_insights
from javob.conversations.models import Direction, Message
from javob.intelligence import pii
from javob.intelligence.providers import get_language, get_sentiment
from javob.intelligence.queries import intent_classifier


def visible_text(message: Message) -> str:
    """What the customer wrote in this message: for mail, the reply without quotes."""
    reply = message.metadata.get("reply_text") if isinstance(message.metadata, dict) else None
    return reply if isinstance(reply, str) and reply.strip() else message.text


def enrich(message_id: int) -> None:
    """Analyse one incoming message and store the result. Skips messages already enriched."""
    message = (
        Message.objects.select_related("conversation")
        .filter(pk=message_id, direction=Direction.INCOMING, enriched_at__isnull=True)
        .first()
    )
    if message is None:
        return
    do_store_insights(message_id, analyse(message))


def analyse(message: Message) -> Insights:
    text = visible_text(message)
    detected = get_language().detect(text).language
    # Too short to tell ("ok", "rahmat"): read it in the conversation's language.
    language = detected if detected != UNDETERMINED else message.conversation.language
    feeling = get_sentiment().sentiment(text, language or None)
    intent, score = intent_classifier(message.workspace_id).predict(text) if text else (None, 0.0)
    return Insights(
        language=language or UNDETERMINED,
        sentiment=feeling.label,
        sentiment_score=round(feeling.score, 4),
        intent=intent or "",
        intent_score=score if text else None,
        pii_spans=[span.to_dict() for span in pii.find(text)],
    )
