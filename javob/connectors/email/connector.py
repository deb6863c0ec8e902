"""The email channel: mail arrives by IMAP polling, `javob smtpd` (SMTP/LMTP) or the raw-MIME
webhook, and replies leave through the inbox's SMTP server.

Inbox settings (strings): `address` (required: the inbox's own address, the sender of
replies), `reply_domain` (replies go to reply+<token>@<reply_domain>; MX or forwarding of
that domain must reach Javob), `imap_host`, `imap_port`, `imap_security` (tls | starttls |
plain), `imap_user`, `imap_password` (secret), `imap_folder` (INBOX), `imap_move_to` (a folder
to move fetched mail to, instead of flagging it \\Seen), `poll_seconds` (60), `smtp_host`,
`smtp_port`, `smtp_security`, `smtp_user`, `smtp_password` (secret), `tls_ca_file` (a CA to
trust besides the system's), `signature` (a template: "{agent}" becomes the agent's name,
"{signature}" their own signature; see docs/email.md), `max_bytes` (25 MB),
`max_new_contacts` (5 per mail), `webhook_secret` (secret; generated when not given),
`mailgun_signing_key` (secret; when set, webhook posts must carry Mailgun's signature).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from javob.connectors.base import Connector, DeliveryError, Parsed
from javob.connectors.email.config import mail_settings
from javob.core.errors import ActionError

if TYPE_CHECKING:
    from javob.conversations.models import Message

MIN_SECRET_LENGTH = 16


class EmailConnector(Connector):
    kind = "email"
    required_settings = ("address",)
    secret_settings = ("imap_password", "smtp_password", "webhook_secret", "mailgun_signing_key")

    def setup(self) -> None:
        settings = mail_settings(self.inbox)
        if "@" not in settings.address:
            raise ActionError(_("Enter the inbox's email address."), field="address")
        self.inbox.settings = {**self.inbox.settings, "address": settings.address}
        chosen = str(self.inbox.secrets.get("webhook_secret", ""))
        if chosen and len(chosen) < MIN_SECRET_LENGTH:
            raise ActionError(
                _("The webhook secret must be at least %(n)d characters.")
                % {"n": MIN_SECRET_LENGTH},
                field="webhook_secret",
            )
        self.inbox.secrets = {
            **self.inbox.secrets,
            "webhook_secret": chosen or secrets.token_urlsafe(32),
        }

    def parse(self, body: bytes) -> Sequence[Parsed]:
        # Mail never goes through the generic webhook store: it has its own raw-mail store
        # (see actions.store_mail), so there is nothing to parse here.
        return []

    def send(self, message: Message) -> str:
        """Send through the inbox's SMTP server; the Message-ID is the provider id."""
        from javob.connectors.email.outgoing import build_mime, prepare_outgoing, recipients
        from javob.connectors.email.send import transmit

        settings = mail_settings(self.inbox)
        if settings.smtp is None:
            raise DeliveryError(_("The inbox has no SMTP server to send with."), permanent=True)
        to, cc = recipients(message)
        if not to:
            raise DeliveryError(_("The customer has no email address."), permanent=True)
        outgoing = prepare_outgoing(message, settings)
        transmit(
            settings.smtp, build_mime(message, outgoing, settings), settings.address, [to, *cc]
        )
        return outgoing.rfc_message_id
