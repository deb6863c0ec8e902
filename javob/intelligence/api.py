"""REST endpoints for the workspace's intent set: examples, training state, a test guess."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from javob.core.api_auth import ERRORS, actor
from javob.intelligence.actions import check_add_intent_example, check_delete_intent_example
from javob.intelligence.queries import intent_classifier, intent_examples, intent_set
from javob.intelligence.schemas import (
    IntentExampleIn,
    IntentExampleOut,
    IntentGuessOut,
    IntentSetOut,
)

router = Router(tags=["intents"])


@router.get("/intents", response={200: IntentSetOut, **ERRORS}, summary="The intent set")
def get_intent_set(request: HttpRequest) -> IntentSetOut:
    return IntentSetOut.of(intent_set(actor(request).workspace_id))


@router.get(
    "/intents/examples",
    response={200: list[IntentExampleOut], **ERRORS},
    summary="The intent set's examples",
)
def list_examples(request: HttpRequest) -> list[IntentExampleOut]:
    return [IntentExampleOut.of(e) for e in intent_examples(actor(request).workspace_id)]


@router.post(
    "/intents/examples",
    response={201: IntentExampleOut, **ERRORS},
    summary="Add an example (owners and admins); the set retrains in the background",
)
def add_example(request: HttpRequest, data: IntentExampleIn) -> Status[IntentExampleOut]:
    example = check_add_intent_example(actor(request), data.intent, data.text)
    return Status(201, IntentExampleOut.of(example))


@router.delete(
    "/intents/examples/{example_id}",
    response={204: None, **ERRORS},
    summary="Delete an example (owners and admins)",
)
def delete_example(request: HttpRequest, example_id: int) -> Status[None]:
    check_delete_intent_example(actor(request), example_id)
    return Status(204, None)


@router.get(
    "/intents/guess",
    response={200: IntentGuessOut, **ERRORS},
    summary="The intent the current set gives a text",
)
def guess(request: HttpRequest, text: str) -> IntentGuessOut:
    intent, score = intent_classifier(actor(request).workspace_id).predict(text)
    return IntentGuessOut(intent=intent, score=score)
