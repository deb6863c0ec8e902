"""A minimal stand-in for the MIME parser (`javob.connectors.email.parse`), for these tests
only, until the real parser is merged: the standard library's parser, following the same
contract. `install()` registers it under the real module's name only when that module does
not exist, so the real parser replaces it without any change here or in the code.
"""

from __future__ import annotations

import hashlib
import sys
import types
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from importlib.util import find_spec

REAL = "javob.connectors.email.parse"


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool
    content_id: str

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True, slots=True)
class Automated:
    is_automated: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Bounce:
    original_message_id: str
    reason: str
    permanent: bool


@dataclass(frozen=True, slots=True)
class ParsedMail:
    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_: Address | None
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None
    text: str
    html: str
    reply_text: str
    attachments: tuple[ParsedAttachment, ...]
    automated: Automated
    bounce: Bounce | None
    headers: Mapping[str, str]
    size: int


class MailTooLarge(ValueError):
    pass


def _addresses(mail: EmailMessage, name: str) -> tuple[Address, ...]:
    pairs = getaddresses([str(v) for v in mail.get_all(name, [])])
    return tuple(Address(n, e.lower()) for n, e in pairs if "@" in e)


def _automated(headers: Mapping[str, str], sender: str) -> Automated:
    if headers.get("auto-submitted", "no").lower() != "no":
        return Automated(True, "auto-submitted")
    if headers.get("precedence", "").lower() in ("bulk", "list", "junk", "auto_reply"):
        return Automated(True, "precedence")
    for name in ("list-id", "list-unsubscribe", "x-autoreply", "x-loop"):
        if name in headers:
            return Automated(True, name)
    if sender.startswith(("mailer-daemon@", "no-reply@", "noreply@")):
        return Automated(True, "sender")
    return Automated(False, "")


def _content(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _bounce(mail: EmailMessage) -> Bounce | None:
    if mail.get_content_type() != "multipart/report":
        return None
    original, action, status, diagnostic = "", "", "", ""
    for part in mail.walk():
        if part.get_content_type() == "message/delivery-status":
            for block in part.get_payload():
                if not isinstance(block, Message):
                    continue
                action = str(block.get("Action", action)).lower()
                status = str(block.get("Status", status))
                diagnostic = str(block.get("Diagnostic-Code", diagnostic))
        if part.get_content_type() in ("text/rfc822-headers", "message/rfc822"):
            inner = part.get_payload()
            if isinstance(inner, list):
                inner = inner[0]
            if isinstance(inner, str):
                inner = message_from_bytes(inner.encode(), policy=policy.default)
            original = str(inner.get("Message-ID", "")).strip()
    permanent = status.startswith("5") or (action == "failed" and not status.startswith("4"))
    reason = " ".join(piece for piece in (status, diagnostic) if piece) or action
    return Bounce(original, reason, permanent)


def parse_mail(
    raw: bytes, *, max_bytes: int = 25 * 1024 * 1024, budget_seconds: float = 5.0
) -> ParsedMail:
    if len(raw) > max_bytes:
        raise MailTooLarge(f"{len(raw)} bytes")
    mail = message_from_bytes(raw, policy=policy.default)
    if not mail.keys():
        raise ValueError("no headers")
    headers = {k.lower(): str(v) for k, v in mail.items()}
    text_part = mail.get_body(("plain",))
    html_part = mail.get_body(("html",))
    text = text_part.get_content() if text_part is not None else ""
    senders = _addresses(mail, "from")
    attachments = tuple(
        ParsedAttachment(
            part.get_filename() or "",
            part.get_content_type(),
            _content(part),
            False,
            "",
        )
        for part in mail.iter_attachments()
        if part.get_content_type() not in ("message/delivery-status", "text/rfc822-headers")
    )
    date = None
    if mail.get("Date"):
        try:
            date = parsedate_to_datetime(str(mail["Date"]))
        except (TypeError, ValueError):
            date = None
    return ParsedMail(
        message_id=str(mail.get("Message-ID", "")).strip(),
        in_reply_to=tuple(str(mail.get("In-Reply-To", "")).split()),
        references=tuple(str(mail.get("References", "")).split()),
        subject=str(mail.get("Subject", "")),
        from_=senders[0] if senders else None,
        reply_to=_addresses(mail, "reply-to"),
        to=_addresses(mail, "to"),
        cc=_addresses(mail, "cc"),
        date=date,
        text=text,
        html=html_part.get_content() if html_part is not None else "",
        reply_text=text,
        attachments=attachments,
        automated=_automated(headers, senders[0].email if senders else ""),
        bounce=_bounce(mail),
        headers=headers,
        size=len(raw),
    )


def install() -> None:
    """Stand in for the parser module when it is not there yet."""
    if REAL in sys.modules or find_spec(REAL) is not None:
        return
    module = types.ModuleType(REAL)
    for name in ("Address", "ParsedAttachment", "Automated", "Bounce", "ParsedMail"):
        setattr(module, name, globals()[name])
    module.MailTooLarge = MailTooLarge  # type: ignore[attr-defined]
    module.parse_mail = parse_mail  # type: ignore[attr-defined]
    sys.modules[REAL] = module
