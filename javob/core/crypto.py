"""Secrets at rest: a JSON model field encrypted with Fernet (AES-128-CBC + HMAC-SHA256).

Keys come from JAVOB_ENCRYPTION_KEYS (newest first, so old keys still decrypt after a
rotation); without it one key is derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if keys:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    digest = hashlib.sha256(b"javob-secrets:" + secret_key.encode()).digest()
    return MultiFernet([Fernet(base64.urlsafe_b64encode(digest))])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.JAVOB_ENCRYPTION_KEYS), settings.SECRET_KEY)


def encrypt_json(value: dict[str, Any]) -> str:
    return fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


def decrypt_json(token: str) -> dict[str, Any]:
    try:
        data = json.loads(fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ValueError("Cannot decrypt a stored secret: wrong JAVOB_ENCRYPTION_KEYS?") from exc
    if not isinstance(data, dict):
        raise ValueError("A stored secret is not a JSON object.")
    return data


class EncryptedJSONField(models.Field[dict[str, Any] | str, dict[str, Any]]):
    """A dict stored as a Fernet token; it is never readable in the database or a dump."""

    def get_internal_type(self) -> str:
        return "TextField"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> dict[str, Any]:
        if not value:
            return {}
        return decrypt_json(value)

    def to_python(self, value: Any) -> dict[str, Any]:
        if isinstance(value, dict):
            return value
        if not value:
            return {}
        return decrypt_json(str(value))

    def get_prep_value(self, value: Any) -> str:
        return encrypt_json(dict(value or {}))
