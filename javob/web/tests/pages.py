"""Reading the agent pages in tests: which conversations a list shows, the view counts."""

from __future__ import annotations

import re

from django.http import HttpResponse

_ROW = re.compile(r'<li class="conv[^"]*" id="conv-(\d+)"')
_COUNT = re.compile(
    r'data-count-key="([\w-]+)"><span>[^<]*</span> <span class="count">(\d+)</span>'
)


def listed(response: HttpResponse) -> list[int]:
    """Conversation ids in the order the list shows them."""
    assert response.status_code == 200, response.status_code
    return [int(pk) for pk in _ROW.findall(response.content.decode())]


def counts(response: HttpResponse) -> dict[str, int]:
    return {key: int(n) for key, n in _COUNT.findall(response.content.decode())}


def text(response: HttpResponse) -> str:
    return response.content.decode()
