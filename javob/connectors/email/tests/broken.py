"""A parser that cannot parse anything: the tests' stand-in for a parser bug."""

from __future__ import annotations


def parse_mail(raw: bytes, *, max_bytes: int = 0, budget_seconds: float = 5.0) -> object:
    raise ValueError("cannot parse")
