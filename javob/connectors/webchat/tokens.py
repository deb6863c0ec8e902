"""Visitor tokens (signed, scoped to one inbox) and the host site's identity signature."""

from __future__ import annotations

import hashlib
import hmac
import uuid

from django.core import signing

TOKEN_MAX_AGE = 60 * 60 * 24 * 365


def _salt(inbox_id: int) -> str:
    return f"javob.webchat.visitor.{inbox_id}"


def visitor_token(inbox_id: int, key: uuid.UUID) -> str:
    return signing.dumps(str(key), salt=_salt(inbox_id), compress=False)


def visitor_key(inbox_id: int, token: str) -> uuid.UUID | None:
    """The visitor key a token carries, or None if it is forged, expired or of another inbox."""
    try:
        value = signing.loads(token, salt=_salt(inbox_id), max_age=TOKEN_MAX_AGE)
        return uuid.UUID(str(value))
    except (signing.BadSignature, ValueError):
        return None


def identity_hash(secret: str, user_id: str) -> str:
    """What the host site's backend computes: hex HMAC-SHA256 of its user id."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def identity_valid(secret: str, user_id: str, signature: str) -> bool:
    return bool(secret and user_id) and hmac.compare_digest(
        identity_hash(secret, user_id), signature.strip().lower()
    )
