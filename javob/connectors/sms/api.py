"""`POST /api/v1/sms/segments`: what a text costs as SMS, for the composer and API clients."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import ngettext
from ninja import Field, Router, Schema

from javob.connectors.sms.segments import Segments, count
from javob.core.api_auth import ERRORS, actor

router = Router(tags=["sms"])
MAX_TEXT = 20_000


class SegmentsIn(Schema):
    text: str = Field(max_length=MAX_TEXT)


class SegmentsOut(Schema):
    encoding: str = Field(description="`GSM-7`, or `UCS-2` when any character is outside it")
    units: int = Field(description="septets (GSM-7) or UTF-16 code units (UCS-2)")
    segments: int = Field(description="SMS messages the text is sent as; 0 for no text")
    per_segment: int = Field(description="capacity of one segment at this length")
    remaining: int = Field(description="units still free in the last segment")
    label: str = Field(description="the same, as the composer shows it")


def label(result: Segments) -> str:
    return ngettext(
        "%(count)d SMS (%(encoding)s), %(remaining)d characters left",
        "%(count)d SMS (%(encoding)s), %(remaining)d characters left in the last",
        result.segments,
    ) % {"count": result.segments, "encoding": result.encoding, "remaining": result.remaining}


@router.post(
    "/sms/segments",
    response={200: SegmentsOut, **ERRORS},
    url_name="sms_segments",
    summary="Count the SMS segments of a text",
    description="GSM-7 texts fit 160 septets in one SMS and 153 per part of a longer one "
    "(`€`, `[`, `]`, `{`, `}`, `\\`, `^`, `~`, `|` count two); any other character sends the "
    "text as UCS-2: 70 UTF-16 code units, 67 per part.",
)
def segments(request: HttpRequest, data: SegmentsIn) -> SegmentsOut:
    actor(request)
    result = count(data.text)
    return SegmentsOut(
        encoding=result.encoding,
        units=result.units,
        segments=result.segments,
        per_segment=result.per_segment,
        remaining=result.remaining,
        label=label(result),
    )
