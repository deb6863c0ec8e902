"""Shapes of the workspace intent set in the REST API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from javob.core.api_auth import InputSchema
from javob.intelligence.models import IntentExample, IntentSet


class IntentExampleIn(InputSchema):
    intent: str = Field(description='The intent this phrase expresses; "oos" for out of scope.')
    text: str


class IntentExampleOut(Schema):
    id: int
    intent: str
    text: str
    created_at: dt.datetime

    @classmethod
    def of(cls, example: IntentExample) -> IntentExampleOut:
        return cls(
            id=example.pk, intent=example.intent, text=example.text, created_at=example.created_at
        )


class IntentSetOut(Schema):
    """The workspace's classifier. Version 0 with no intents: the project's default set."""

    version: int
    intents: list[str]
    example_count: int
    trained_at: dt.datetime | None
    training: bool = Field(description="Examples changed and the set is being retrained.")
    error: str = Field(description="Why the last training failed; the previous set stays.")

    @classmethod
    def of(cls, intent_set: IntentSet | None) -> IntentSetOut:
        if intent_set is None:
            return cls(
                version=0, intents=[], example_count=0, trained_at=None, training=False, error=""
            )
        return cls(
            version=intent_set.version,
            intents=list(intent_set.intents),
            example_count=intent_set.example_count,
            trained_at=intent_set.trained_at,
            training=intent_set.stale,
            error=intent_set.error,
        )


class IntentGuessOut(Schema):
    intent: str | None = Field(description="None when the text is out of scope.")
    score: float
