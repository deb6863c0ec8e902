"""What every Meta webhook shares (WhatsApp, Messenger, Instagram): the signature and the
GET verification handshake.

Meta signs each POST with the app secret: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the
raw body>`. When the webhook is configured, Meta first calls it with a GET carrying
`hub.mode=subscribe`, the `hub.verify_token` the operator typed in, and a `hub.challenge` to
echo back.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from javob.connectors.base import WebhookRejected, WebhookRequest

SIGNATURE_HEADER = "x-hub-signature-256"
# Meta's challenge is a number; anything else is not echoed (the answer is served as HTML).
CHALLENGE = re.compile(r"[A-Za-z0-9_.-]{1,128}")


def signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(app_secret: str, request: WebhookRequest) -> None:
    """Raise WebhookRejected unless the body carries a valid signature (constant time)."""
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not app_secret:
        raise WebhookRejected("the inbox has no app secret")
    if not given.startswith("sha256="):
        raise WebhookRejected("missing X-Hub-Signature-256")
    if not hmac.compare_digest(signature(app_secret, request.body).encode(), given.encode()):
        raise WebhookRejected("bad signature")


def answer_handshake(verify_token: str, request: WebhookRequest) -> str | None:
    """The challenge to echo when Meta verifies the webhook with our token; None otherwise."""
    query = request.query
    given = query.get("hub.verify_token", "")
    if query.get("hub.mode") != "subscribe" or not verify_token or not given:
        return None
    if not hmac.compare_digest(verify_token.encode(), given.encode()):
        return None
    challenge = query.get("hub.challenge", "")
    return challenge if CHALLENGE.fullmatch(challenge) else None


def new_verify_token() -> str:
    return secrets.token_urlsafe(24)


def payload_hash(body: bytes) -> str:
    """A delivery's id: one body batches many events, so the body itself identifies it."""
    return "sha256:" + hashlib.sha256(body).hexdigest()
