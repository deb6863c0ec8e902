"""Reading the agent pages in tests: which conversations a list shows, the view counts."""

from __future__ import annotations

import re
from typing import Any

_ROW = re.compile(r'<li class="conv[^"]*" id="conv-(\d+)"')
_COUNT = re.compile(
    r'data-count-key="([\w-]+)"><span>[^<]*</span> <span class="count">(\d+)</span>'
)


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def listed(response: Any) -> list[int]:
    """Conversation ids in the order the list shows them."""
    return [int(pk) for pk in _ROW.findall(text(response))]


def counts(response: Any) -> dict[str, int]:
    return {key: int(n) for key, n in _COUNT.findall(text(response))}
