"""Sending through an inbox's SMTP server (implicit TLS, STARTTLS or plain, with AUTH).

A 5xx answer fails the message for good with the server's own text; a 4xx answer, a dropped
connection or a timeout is transient and the outbound task retries it with backoff.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from django.conf import settings as django_settings
from django.utils.translation import gettext as _

from javob.connectors.base import DeliveryError
from javob.connectors.email.config import Server
from javob.core import http


def vet_host(server: Server) -> None:
    """Refuse internal addresses unless the install allows them (JAVOB_OUTBOUND_ALLOW), as
    for every other outbound connection to a user-supplied host."""
    for address in http.resolve(server.host, server.port):
        http.vet_address(server.host, address)


def connect(server: Server, timeout: float) -> smtplib.SMTP:
    if server.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            server.host, server.port, timeout=timeout, context=server.tls_context()
        )
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=timeout)
        if server.security == "starttls":
            client.starttls(context=server.tls_context())
    if server.user:
        client.login(server.user, server.password)
    return client


def transmit(server: Server, mail: EmailMessage, sender: str, recipients: list[str]) -> None:
    """Hand `mail` to the server; raise DeliveryError saying whether a retry can help."""
    try:
        vet_host(server)
    except http.BlockedAddress as exc:
        raise DeliveryError(str(exc), permanent=True) from exc
    except http.OutboundError as exc:
        raise DeliveryError(str(exc), permanent=False) from exc
    try:
        client = connect(server, django_settings.JAVOB_OUTBOUND_TIMEOUT)
        try:
            refused = client.send_message(mail, from_addr=sender, to_addrs=recipients)
        finally:
            _quit(client)
    except smtplib.SMTPRecipientsRefused as exc:
        raise _refused(exc.recipients) from exc
    except smtplib.SMTPResponseException as exc:
        raise _answer(exc.smtp_code, exc.smtp_error) from exc
    except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}", permanent=False) from exc
    if refused and len(refused) == len(recipients):
        raise _refused(refused)


def _answer(code: int, text: bytes | str) -> DeliveryError:
    message = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return DeliveryError(
        _("The mail server answered %(code)s %(text)s") % {"code": code, "text": message},
        permanent=500 <= code < 600,
    )


def _refused(recipients: dict[str, tuple[int, bytes]]) -> DeliveryError:
    """Every recipient refused: final only when every refusal is a 5xx."""
    errors = [_answer(code, text) for code, text in recipients.values()]
    reason = "; ".join(
        f"{address}: {error.reason}" for address, error in zip(recipients, errors, strict=True)
    )
    return DeliveryError(reason, permanent=all(error.permanent for error in errors))


def _quit(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()
