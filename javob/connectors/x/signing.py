"""The three signatures of X: the webhook CRC answer, the webhook body signature, and OAuth 1.0a
request signing (RFC 5849, HMAC-SHA1) for calls in a user's context.

CRC: X calls the webhook with `GET ?crc_token=...` when it is registered and then about hourly;
the answer is `{"response_token": "sha256=" + base64 HMAC-SHA256(consumer secret, crc_token)}`.
Every POST carries `x-twitter-webhooks-signature: sha256=` + base64 HMAC-SHA256(consumer
secret, raw body).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

SIGNATURE_HEADER = "x-twitter-webhooks-signature"


def hmac_sha256_b64(secret: str, data: bytes) -> str:
    digest = hmac.new(secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_response(consumer_secret: str, crc_token: str) -> str:
    return hmac_sha256_b64(consumer_secret, crc_token.encode())


def body_signature_ok(consumer_secret: str, body: bytes, given: str) -> bool:
    """Constant-time comparison of the webhook signature with the one we compute."""
    if not consumer_secret or not given.startswith("sha256="):
        return False
    expected = hmac_sha256_b64(consumer_secret, body)
    return hmac.compare_digest(expected.encode(), given.encode())


def percent(value: str) -> str:
    """RFC 3986 percent-encoding as RFC 5849 section 3.6 asks (only unreserved kept)."""
    return quote(value, safe="-._~")


def base_string(method: str, url: str, params: Mapping[str, str]) -> str:
    """The signature base string of RFC 5849 section 3.4.1; `params` holds the oauth_*
    parameters and any form-encoded body parameters; the URL's own query is added here."""
    parts = urlsplit(url)
    pairs = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    encoded = sorted((percent(key), percent(value)) for key, value in pairs)
    normalized = "&".join(f"{key}={value}" for key, value in encoded)
    base_url = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path, "", ""))
    return "&".join([method.upper(), percent(base_url), percent(normalized)])


def hmac_sha1_signature(base: str, consumer_secret: str, token_secret: str) -> str:
    key = f"{percent(consumer_secret)}&{percent(token_secret)}"
    digest = hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def oauth1_header(
    method: str,
    url: str,
    *,
    consumer_key: str,
    consumer_secret: str,
    token: str,
    token_secret: str,
    body_params: Mapping[str, str] | None = None,
    nonce: str | None = None,
    timestamp: int | None = None,
) -> str:
    """The `Authorization: OAuth ...` header of one request. A JSON body is not signed (only
    form-encoded bodies are, per RFC 5849 section 3.4.1.3)."""
    oauth = {
        "oauth_consumer_key": consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(timestamp if timestamp is not None else int(time.time())),
        "oauth_token": token,
        "oauth_version": "1.0",
    }
    base = base_string(method, url, {**oauth, **(body_params or {})})
    oauth["oauth_signature"] = hmac_sha1_signature(base, consumer_secret, token_secret)
    fields = ", ".join(f'{percent(key)}="{percent(value)}"' for key, value in sorted(oauth.items()))
    return f"OAuth {fields}"
