"""An email inbox's settings, read once into a typed value.

Inbox options are strings (they come from `javob inbox add --set key=value` and the admin);
passwords and the webhook secret are secret settings, stored encrypted.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from django.utils.translation import gettext as _

from javob.conversations.models import Inbox
from javob.core.errors import ActionError

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
SECURITY_MODES = ("tls", "starttls", "plain")


@dataclass(frozen=True, slots=True)
class Server:
    host: str
    port: int
    security: str  # tls | starttls | plain
    user: str
    password: str
    ca_file: str  # extra trusted CA (a private mail server's own certificate), or ""

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        return context


@dataclass(frozen=True, slots=True)
class MailSettings:
    address: str
    reply_domain: str
    imap: Server | None
    imap_folder: str
    imap_move_to: str
    poll_seconds: int
    smtp: Server | None
    signature: str
    max_bytes: int
    max_new_contacts: int


def _int(value: object, default: int, name: str) -> int:
    if value in (None, ""):
        return default
    try:
        return int(str(value))
    except ValueError:
        raise ActionError(_("%(name)s must be a number.") % {"name": name}, field=name) from None


def _server(inbox: Inbox, prefix: str, default_port: int) -> Server | None:
    host = str(inbox.settings.get(f"{prefix}_host", "")).strip()
    if not host:
        return None
    security = str(inbox.settings.get(f"{prefix}_security", "tls")) or "tls"
    if security not in SECURITY_MODES:
        raise ActionError(
            _("%(name)s must be one of: %(modes)s")
            % {"name": f"{prefix}_security", "modes": ", ".join(SECURITY_MODES)},
            field=f"{prefix}_security",
        )
    return Server(
        host=host,
        port=_int(inbox.settings.get(f"{prefix}_port"), default_port, f"{prefix}_port"),
        security=security,
        user=str(inbox.settings.get(f"{prefix}_user", "")),
        password=str((inbox.secrets or {}).get(f"{prefix}_password", "")),
        ca_file=str(inbox.settings.get("tls_ca_file", "")),
    )


def mail_settings(inbox: Inbox) -> MailSettings:
    """The inbox's email settings; raises ActionError naming a malformed one."""
    values = inbox.settings
    imap_security = str(values.get("imap_security", "tls")) or "tls"
    smtp_security = str(values.get("smtp_security", "tls")) or "tls"
    return MailSettings(
        address=str(values.get("address", "")).strip().lower(),
        reply_domain=str(values.get("reply_domain", "")).strip().lower(),
        imap=_server(inbox, "imap", 993 if imap_security == "tls" else 143),
        imap_folder=str(values.get("imap_folder", "")) or "INBOX",
        imap_move_to=str(values.get("imap_move_to", "")),
        poll_seconds=_int(values.get("poll_seconds"), 60, "poll_seconds"),
        smtp=_server(inbox, "smtp", 465 if smtp_security == "tls" else 587),
        signature=str(values.get("signature", "")),
        max_bytes=_int(values.get("max_bytes"), DEFAULT_MAX_BYTES, "max_bytes"),
        max_new_contacts=_int(values.get("max_new_contacts"), 5, "max_new_contacts"),
    )
