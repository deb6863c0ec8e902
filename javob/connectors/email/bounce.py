"""Delivery failures: which message of ours bounced, why, and whether to stop trying.

A standard delivery-status report (RFC 3464: multipart/report; report-type=delivery-status)
is read field by field. The plain-text bounces that Gmail, Postfix, Exim, Exchange and
Sendmail still send are recognised by sender and subject, and read with patterns.
"""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass
from email import message_from_string
from email.message import Message

from javob.connectors.email import charsets


@dataclass(frozen=True, slots=True)
class Bounce:
    original_message_id: str  # without <>; "" when the bounce does not say
    reason: str  # status code and the server's diagnostic
    permanent: bool  # 5.x.x: do not retry


_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"(?:^|[\s:;(])([45]\d\d)[ -]", re.MULTILINE)
_MESSAGE_ID = re.compile(r"^[ \t]*message-id[ \t]*:[ \t]*<([^<>\s]{1,500})>", re.I | re.M)
_BOUNCE_SUBJECTS = (
    "undelivered mail returned to sender",
    "mail delivery failed",
    "delivery status notification",
    "undeliverable",
    "returned mail",
    "delivery failure",
    "failure notice",
    "mail delivery subsystem",
    "message not delivered",
    "delivery has failed",
    "could not be delivered",
    "недоставленное сообщение",
    "не доставлено",
    "сообщение не доставлено",
    "ошибка доставки",
    "yetkazilmadi",
)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
_TEMPORARY_WORDS = ("delay", "will retry", "temporar", "still trying", "задерж")
_DIAGNOSTIC_HINTS = (
    "diagnostic-code",
    "remote server",
    "said:",
    "error",
    "rejected",
    "does not exist",
    "unknown",
    "smtp",
)


def find_bounce(message: Message, text: str, subject: str, sender: str) -> Bounce | None:
    """The bounce this mail reports, or None when it is not a (failed) delivery report."""
    if message.get_content_type() == "multipart/report":
        is_report, report = _delivery_status(message)
        if is_report:
            return report  # None for a report of successful delivery
    if not _looks_like_bounce(subject, sender):
        return None
    return _plain_bounce(message, text, subject)


def _delivery_status(message: Message) -> tuple[bool, Bounce | None]:
    fields: list[Message] = []
    original = ""
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("message/delivery-status", "message/global-delivery-status"):
            fields.extend(_status_blocks(part))
        elif kind in ("message/rfc822", "message/global") and not original:
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                original = _bracketed(str(inner[0].get("message-id", "")))
        elif kind in ("text/rfc822-headers", "message/global-headers") and not original:
            original = _id_in_text(_part_text(part))
    recipients = [block for block in fields if block.get("action") or block.get("status")]
    if not recipients:
        return False, None
    failed = [b for b in recipients if _action(b) not in ("delivered", "relayed", "expanded")]
    if not failed:
        return True, None
    block = failed[0]
    status = str(block.get("status", "")).strip().split(" ", 1)[0]
    diagnostic = charsets.decode_words(str(block.get("diagnostic-code", "")))
    action = _action(block)
    permanent = status.startswith("5") or (action == "failed" and not status.startswith("4"))
    reason = " ".join(piece for piece in (status, diagnostic) if piece) or action
    return True, Bounce(original, reason[:1000], permanent)


def _action(block: Message) -> str:
    return str(block.get("action", "")).strip().lower()


def _status_blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
    if isinstance(payload, list) and encoding not in ("base64", "quoted-printable"):
        return [block for block in payload if isinstance(block, Message)]
    # Gmail and Exchange may encode the status part; the stdlib then splits the encoded
    # text into meaningless header blocks, so decode the text and split it here.
    if isinstance(payload, list):
        text = "".join(block.as_string() for block in payload if isinstance(block, Message))
    else:
        text = payload if isinstance(payload, str) else ""
    data = text.encode("ascii", "ignore")
    if encoding == "base64":
        data = charsets.b64decode_lenient(data) or b""
    elif encoding == "quoted-printable":
        data = quopri.decodestring(data)
    lines = charsets.decode(data, "utf-8").replace("\r\n", "\n")
    return [message_from_string(chunk + "\n") for chunk in re.split(r"\n[ \t]*\n", lines)]


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return charsets.decode(payload, part.get_content_charset())
    raw = part.get_payload()
    return raw if isinstance(raw, str) else ""


def _bracketed(value: str) -> str:
    match = re.search(r"<([^<>\s]{1,500})>", value)
    if match:
        return match.group(1)
    return value.strip() if value.strip() and " " not in value.strip() else ""


def _id_in_text(text: str) -> str:
    match = _MESSAGE_ID.search(text[:200_000])
    return match.group(1) if match else ""


def _looks_like_bounce(subject: str, sender: str) -> bool:
    local = sender.rsplit("@", 1)[0].lower()
    lowered = subject.lower()
    by_subject = any(marker in lowered for marker in _BOUNCE_SUBJECTS)
    return by_subject if local not in _BOUNCE_SENDERS else True


def _plain_bounce(message: Message, text: str, subject: str) -> Bounce:
    original = ""
    for part in message.walk():
        kind = part.get_content_type()
        inner = part.get_payload() if kind == "message/rfc822" else None
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            original = _bracketed(str(inner[0].get("message-id", "")))
            break
    original = original or _id_in_text(text)
    body = text[:200_000]
    status = _STATUS.search(body)
    smtp = _SMTP_CODE.search(body)
    diagnostic = _diagnostic_line(body, status, smtp)
    code = status.group(0) if status else (smtp.group(1) if smtp else "")
    if code and diagnostic and code not in diagnostic:
        reason = f"{code} {diagnostic}"
    else:
        reason = diagnostic or code or _first_line(body) or subject
    lowered = (subject + " " + body[:5000]).lower()
    if status or smtp:
        permanent = code.startswith("5")
    else:
        permanent = not any(word in lowered for word in _TEMPORARY_WORDS)
    return Bounce(original, reason.strip()[:1000], permanent)


def _first_line(body: str) -> str:
    for line in body[:5000].splitlines():
        if line.strip():
            return line.strip()
    return ""


def _diagnostic_line(body: str, status: re.Match[str] | None, smtp: re.Match[str] | None) -> str:
    found = status or smtp
    if found is not None:
        start = body.rfind("\n", 0, found.start()) + 1
        end = body.find("\n", found.end())
        return body[start : end if end >= 0 else len(body)].strip()
    for line in body.splitlines()[:200]:
        lowered = line.lower()
        if any(hint in lowered for hint in _DIAGNOSTIC_HINTS) and len(line.strip()) > 10:
            return line.strip()
    return ""
