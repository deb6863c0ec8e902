"""Template filters of the agent UI."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import template
from django.utils import timezone

from javob.conversations.models import Message
from javob.intelligence import pii

register = template.Library()

# Images a browser shows inline; never SVG, which can carry script.
INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})

# The frame's own policy: no script, no network; remote images only once the agent asks.
_FRAME = (
    '<!doctype html><html><head><meta charset="utf-8">'
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
    "style-src 'unsafe-inline'; img-src data: cid:{images}\">"
    '<base target="_blank"><style>body{{font-family:system-ui,sans-serif;margin:0;'
    "line-height:1.45;overflow-wrap:anywhere}}img{{max-width:100%;height:auto}}</style>"
    "</head><body>{body}</body></html>"
)


@register.filter
def email_srcdoc(message: Message, images_for: int | None) -> str:
    """The document of a sandboxed email frame. The body was sanitised when it was stored;
    the result is plain text here, so autoescaping makes it a safe attribute value."""
    images = " https: http:" if images_for == message.pk else ""
    return _FRAME.format(images=images, body=message.html)


@register.filter
def inline_image(content_type: str) -> bool:
    return content_type in INLINE_IMAGES


@register.filter
def local_now(zone_name: str) -> dt.datetime | None:
    """The current wall-clock time in a contact's zone, or None for an unknown zone. Naive on
    purpose: the date filters would otherwise convert it back to the viewer's zone."""
    try:
        return timezone.now().astimezone(zoneinfo.ZoneInfo(zone_name)).replace(tzinfo=None)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


@register.filter
def masked(message: Message) -> str:
    """The message's text with its stored personal-data spans masked (cards keep their last
    four digits); the original is fetched on demand (see conversation.original)."""
    spans = [
        pii.Span(int(s["start"]), int(s["end"]), pii.Kind(s["kind"]))
        for s in message.pii_spans
        if isinstance(s, dict) and s.get("kind") in pii.Kind.__members__.values()
    ]
    spans = [s for s in spans if 0 <= s.start <= s.end <= len(message.text)]
    return pii.mask(message.text, spans) if spans else message.text


@register.filter
def is_past(moment: dt.datetime | None) -> bool:
    return moment is not None and moment <= timezone.now()
