"""What an owner or admin does with a web-chat inbox's identity secret: see it, replace it."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from javob.accounts.audit import record
from javob.accounts.models import Membership
from javob.conversations.models import Inbox
from javob.conversations.settings_actions import access_settings_inbox
from javob.core.errors import ActionError

IDENTITY_SECRET = "identity_secret"  # noqa: S105 - the name of a setting, not a secret


def _webchat_inbox(actor: Membership, inbox_id: int, *, lock: bool = False) -> Inbox:
    inbox = access_settings_inbox(actor, inbox_id, lock=lock)
    if inbox.kind != "webchat":
        raise ActionError(_("This inbox has no identity secret."))
    return inbox


def check_reveal_identity_secret(actor: Membership, inbox_id: int) -> str:
    """The secret the host site signs its users' ids with; the reveal is audited."""
    inbox = _webchat_inbox(actor, inbox_id)
    secret = str((inbox.secrets or {}).get(IDENTITY_SECRET, ""))
    if not secret:
        raise ActionError(_("This inbox has no identity secret."))
    record(actor, "inbox.identity_secret_revealed", inbox=inbox.pk)
    return secret


def check_rotate_identity_secret(actor: Membership, inbox_id: int) -> str:
    """A new random identity secret, returned once; identities signed with the old one are
    refused from now on."""
    with transaction.atomic():
        inbox = _webchat_inbox(actor, inbox_id, lock=True)
        secret = secrets.token_urlsafe(32)
        inbox.secrets = {**(inbox.secrets or {}), IDENTITY_SECRET: secret}
        inbox.save(update_fields=["secrets"])
        record(actor, "inbox.identity_secret_rotated", inbox=inbox.pk)
    return secret
