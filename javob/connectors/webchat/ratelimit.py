"""Fixed-window rate limits in the cache (Redis when configured, else per process)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def limit(name: str) -> int:
    """A limit from settings.JAVOB_WIDGET_LIMITS."""
    return int(settings.JAVOB_WIDGET_LIMITS[name])


def allow(key: str, limit: int, window_seconds: int) -> bool:
    """Count one event for `key`; False once `limit` events fell in the current window."""
    bucket = f"rl:{key}:{int(time.time()) // window_seconds}"
    if cache.add(bucket, 1, timeout=window_seconds + 1):
        return True
    try:
        return cache.incr(bucket) <= limit
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window_seconds + 1)
        return True
