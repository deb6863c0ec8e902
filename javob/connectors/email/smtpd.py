"""`javob smtpd`: an SMTP or LMTP server that takes mail for our inboxes.

For installs that point MX (or a forwarding rule, or Postfix through LMTP) at Javob.
Recipients are routed at RCPT time: an inbox's address, or reply+<token>@<reply domain> of an
inbox; anything else is refused with 550, so Javob is never an open relay. Mail above the
size limit is answered 552 while it streams in, and its bytes are dropped as they arrive.
After DATA the mail is stored raw (once per inbox) before the 250 goes out; parsing runs in
a task. A storage failure answers 451, so the sending server tries again later.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db import close_old_connections

from javob.connectors.email.actions import TooLarge, store_mail
from javob.connectors.email.config import DEFAULT_MAX_BYTES
from javob.connectors.email.models import MailSource, ReplyToken
from javob.connectors.email.threading import token_of
from javob.conversations.models import Inbox

logger = logging.getLogger(__name__)


def route(address: str) -> int | None:
    """The inbox that takes mail for `address`, or None."""
    address = address.strip().lower()
    inbox = Inbox.objects.filter(kind="email", is_active=True, settings__address=address).first()
    if inbox is not None:
        return inbox.pk
    local, _at, domain = address.rpartition("@")
    if not local.startswith("reply+"):
        return None
    row = ReplyToken.objects.filter(token=token_of(address, domain)).select_related("inbox")
    found = row.first()
    if found is None or not found.inbox.is_active:
        return None
    reply_domain = str(found.inbox.settings.get("reply_domain", "")).lower()
    return found.inbox_id if reply_domain == domain else None


def deliver(raw: bytes, recipients: dict[int, list[str]]) -> list[str]:
    """Store the mail for each routed inbox; one SMTP status per inbox."""
    close_old_connections()
    statuses = []
    for inbox_id, addresses in recipients.items():
        inbox = Inbox.objects.get(pk=inbox_id)
        try:
            store_mail(inbox, raw, MailSource.SMTP, envelope_to=addresses)
            statuses.append("250 2.0.0 OK: queued")
        except TooLarge as exc:
            statuses.append(f"552 5.3.4 {exc}")
        except Exception:
            logger.exception("Could not store mail for inbox %s", inbox_id)
            statuses.append("451 4.3.0 Temporary failure; try again later")
    return statuses


class Handler:
    """aiosmtpd hooks: route at RCPT, store at DATA."""

    def __init__(self, *, lmtp: bool) -> None:
        self.lmtp = lmtp

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        inbox_id = await sync_to_async(_route_closing)(address)
        if inbox_id is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        routes: dict[int, list[str]] = getattr(envelope, "javob_routes", {})
        routes.setdefault(inbox_id, []).append(address)
        envelope.javob_routes = routes  # type: ignore[attr-defined]
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        routes: dict[int, list[str]] = getattr(envelope, "javob_routes", {})
        raw = envelope.original_content or b""
        statuses = await sync_to_async(deliver)(raw, routes)
        if self.lmtp:
            # LMTP answers once per recipient (RFC 2033), in RCPT order.
            per_inbox = dict(zip(routes, statuses, strict=True))
            lines = [per_inbox[i] for i, addresses in routes.items() for _ in addresses]
            return "\r\n".join(lines)
        failed = [status for status in statuses if not status.startswith("250")]
        return failed[0] if failed else "250 2.0.0 OK: queued"


def _route_closing(address: str) -> int | None:
    close_old_connections()
    return route(address)


class MailController(Controller):
    def __init__(
        self,
        *,
        host: str,
        port: int,
        lmtp: bool = False,
        max_bytes: int = DEFAULT_MAX_BYTES,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.lmtp = lmtp
        self.max_bytes = max_bytes
        self.starttls_context = tls_context
        super().__init__(Handler(lmtp=lmtp), hostname=host, port=port)

    def factory(self) -> SMTP:
        server_class = LMTP if self.lmtp else SMTP
        return server_class(
            self.handler,
            data_size_limit=self.max_bytes,
            decode_data=False,
            tls_context=self.starttls_context,
            require_starttls=False,
            ident="Javob",
        )
