"""Signed invitation links: a new agent sets their password through one.

A link carries the user id and a fingerprint of the user's password hash, signed with the
server's SECRET_KEY and timestamped. It stops working when it expires, once the password
is set (the hash, hence the fingerprint, changes) and when a new invitation is sent (which
gives the user a fresh unusable password).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.core import signing
from django.utils.translation import gettext as _

from javob.accounts.models import User

SALT = "javob.accounts.invitation"
MAX_AGE = dt.timedelta(days=7)


class InvalidInvitation(Exception):
    """The link is malformed, expired or already used; `message` says which to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Invitation:
    user: User
    fingerprint: str


def fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.pk}:{user.password}".encode()).hexdigest()[:20]


def make_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "f": fingerprint(user)}, salt=SALT)


def read_token(token: str) -> Invitation:
    """The invited user of a valid, unused link; InvalidInvitation otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise InvalidInvitation(
            _("This invitation has expired. Ask an admin of your workspace to send a new one.")
        ) from exc
    except signing.BadSignature as exc:
        raise InvalidInvitation(_("This invitation link is not valid.")) from exc
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None:
        raise InvalidInvitation(_("This invitation link is not valid."))
    if user.has_usable_password() or fingerprint(user) != data.get("f"):
        raise InvalidInvitation(
            _(
                "This invitation has already been used or replaced by a newer one. "
                "Sign in with your password, or ask an admin for a new invitation."
            )
        )
    return Invitation(user, data["f"])
