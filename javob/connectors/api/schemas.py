"""Request and response shapes of the API channel's REST endpoints."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema
from pydantic import field_validator

from javob.connectors.api.connector import InboundBody, InboundSender, StatusBody
from javob.core.api_auth import refuse_nul


class SenderIn(InboundSender):
    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)


class InboundIn(InboundBody):
    """A customer message as an external system posts it; a repeated `id` is ignored."""

    sender: SenderIn

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)


class StatusIn(StatusBody):
    """A delivery report for an agent reply; `message_id` is the id your system gave it."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)


class InboundOut(Schema):
    id: int = Field(description="Javob's id of the stored message.")
    conversation_id: int
    created: bool = Field(description="false when this `id` was received before.")


class AppliedOut(Schema):
    applied: bool = Field(description="false when the report would not move the status forward.")
