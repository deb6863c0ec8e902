"""Mailgun's webhook signature, checked on inbound mail Mailgun forwards (a route's `forward()`).

Mailgun posts `timestamp`, `token` (50 random characters) and `signature`, the hex
HMAC-SHA256 of timestamp + token under the account's HTTP webhook signing key. The signature
does not cover the mail, so it proves the sender only together with a fresh timestamp and a
token used once: a timestamp further than WINDOW from our clock is stale, and a token already
accepted within WINDOW is a replay (see `actions.accept_webhook_token`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.utils.translation import gettext as _

WINDOW = dt.timedelta(minutes=15)
MAX_TOKEN = 200


class SignatureRejected(ValueError):
    """The post is not Mailgun's: missing fields, a wrong signature or a stale timestamp."""


def signature(key: str, timestamp: str, token: str) -> str:
    return hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()


def verified_token(key: str, fields: dict[str, bytes], now: dt.datetime) -> str:
    """The token of a correctly signed, fresh post; raises SignatureRejected otherwise."""
    try:
        timestamp, token, given = (
            fields[name].decode("ascii").strip() for name in ("timestamp", "token", "signature")
        )
    except (KeyError, UnicodeDecodeError):
        raise SignatureRejected(_("No Mailgun signature in the request.")) from None
    if not timestamp.isdigit() or not token or len(token) > MAX_TOKEN:
        raise SignatureRejected(_("No Mailgun signature in the request."))
    if not hmac.compare_digest(given.lower().encode(), signature(key, timestamp, token).encode()):
        raise SignatureRejected(_("The Mailgun signature does not match."))
    signed_at = dt.datetime.fromtimestamp(min(int(timestamp), 2**34), tz=dt.UTC)
    if abs(now - signed_at) > WINDOW:
        raise SignatureRejected(_("The Mailgun signature is stale."))
    return token
