"""Polling an inbox's IMAP mailbox (implicit TLS or STARTTLS), tracking (UIDVALIDITY, UID).

Each batch of 100 is fetched with BODY.PEEK (which leaves \\Seen alone), stored in one
transaction with one parse task for the batch's new mails, committed, and only then marked
\\Seen or moved; the last UID advances after that. A crash anywhere in between fetches the
batch again next time, and the raw-mail dedupe stores nothing twice. A changed UIDVALIDITY
(the mailbox was recreated) starts over from UID 1, again safely.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from javob.connectors.email.actions import (
    TooLarge,
    enqueue_parsing,
    store_mail,
    store_oversized,
)
from javob.connectors.email.config import MailSettings, Server, mail_settings
from javob.connectors.email.models import ImapState, MailSource
from javob.connectors.email.send import vet_host
from javob.conversations.models import Inbox
from javob.core import http

logger = logging.getLogger(__name__)
BATCH = 100
FETCH_BYTES = 64 * 1024 * 1024
LEASE = dt.timedelta(minutes=10)
UID_OF = re.compile(rb"UID (\d+)")
SIZE_OF = re.compile(rb"RFC822\.SIZE (\d+)")


class ImapError(Exception):
    """The mailbox could not be read (connection, login, folder)."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    fetched: int
    stored: int
    last_uid: int


def connect(server: Server) -> imaplib.IMAP4:
    vet_host(server)
    timeout = django_settings.JAVOB_OUTBOUND_TIMEOUT
    if server.security == "tls":
        client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
            server.host, server.port, ssl_context=server.tls_context(), timeout=timeout
        )
    else:
        client = imaplib.IMAP4(server.host, server.port, timeout=timeout)
        if server.security == "starttls":
            client.starttls(ssl_context=server.tls_context())
    client.login(server.user, server.password)
    return client


def fetch_inbox(inbox: Inbox) -> FetchResult:
    """Poll the inbox's mailbox once; raises ImapError when it cannot be read."""
    settings = mail_settings(inbox)
    if settings.imap is None:
        return FetchResult(0, 0, 0)
    state, _created = ImapState.objects.get_or_create(inbox=inbox)
    if not _lease(state):
        return FetchResult(0, 0, state.last_uid)  # another poller is at it
    try:
        result = _poll(inbox, settings, settings.imap, state)
    except (imaplib.IMAP4.error, OSError, http.BlockedAddress, http.OutboundError) as exc:
        _release(state, error=f"{type(exc).__name__}: {exc}")
        raise ImapError(str(exc)) from exc
    except BaseException as exc:  # a database outage, say: give the lease back, then fail
        _release(state, error=f"{type(exc).__name__}: {exc}")
        raise
    _release(state, error="")
    return result


def _lease(state: ImapState) -> bool:
    now = timezone.now()
    return bool(
        ImapState.objects.filter(pk=state.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .update(lease_until=now + LEASE)
    )


def _release(state: ImapState, *, error: str) -> None:
    ImapState.objects.filter(pk=state.pk).update(
        lease_until=None, last_polled_at=timezone.now(), last_error=error[:2000]
    )


def _poll(inbox: Inbox, settings: MailSettings, server: Server, state: ImapState) -> FetchResult:
    client = connect(server)
    try:
        _check(client.select(_quote(settings.imap_folder)), "SELECT")
        uidvalidity = int((client.response("UIDVALIDITY")[1] or [b"0"])[0] or 0)
        last_uid = state.last_uid
        if uidvalidity != state.uidvalidity:
            last_uid = 0
            ImapState.objects.filter(pk=state.pk).update(uidvalidity=uidvalidity, last_uid=0)
        fetched = stored = 0
        for batch in _batches(_new_uids(client, last_uid)):
            fetched += len(batch)
            stored += _take(client, inbox, settings, batch)
            last_uid = batch[-1]
            ImapState.objects.filter(pk=state.pk).update(last_uid=last_uid)
        return FetchResult(fetched, stored, last_uid)
    finally:
        _logout(client)


def _new_uids(client: imaplib.IMAP4, after: int) -> list[int]:
    typ, data = client.uid("SEARCH", f"UID {after + 1}:*")
    _check((typ, data), "SEARCH")
    # "n:*" always matches the highest UID, even one below n: filter.
    return sorted(uid for uid in (int(v) for v in (data[0] or b"").split()) if uid > after)


def _batches(uids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(uids), BATCH):
        yield uids[start : start + BATCH]


def _take(client: imaplib.IMAP4, inbox: Inbox, settings: MailSettings, uids: list[int]) -> int:
    """Store one batch, then (all committed) flag or move it."""
    sizes = _sizes(client, uids)
    small = [uid for uid in uids if sizes.get(uid, 0) <= settings.max_bytes]
    large = [uid for uid in uids if uid not in small]
    stored = 0
    new: list[int] = []
    with transaction.atomic():  # one commit per batch; flagged only once it is durable
        for part in _by_bytes(small, sizes):  # never more than ~64 MB in memory
            for raw in _bodies(client, part, "BODY.PEEK[]").values():
                try:
                    kept = store_mail(inbox, raw, MailSource.IMAP, enqueue=False)
                except TooLarge:  # the server's size was wrong; keep the headers, as below
                    head = raw[:65536]
                    stored += store_oversized(inbox, head, len(raw), MailSource.IMAP).created
                    continue
                stored += kept.created
                if kept.created:
                    new.append(kept.raw_mail_id)
        for uid, head in _bodies(client, large, "BODY.PEEK[HEADER]").items():
            stored += store_oversized(inbox, head, sizes[uid], MailSource.IMAP).created
        enqueue_parsing(new)  # one task row for the batch, committed with it
    _done(client, settings, uids)
    return stored


def _by_bytes(uids: list[int], sizes: dict[int, int]) -> Iterator[list[int]]:
    part: list[int] = []
    total = 0
    for uid in uids:
        if part and total + sizes.get(uid, 0) > FETCH_BYTES:
            yield part
            part, total = [], 0
        part.append(uid)
        total += sizes.get(uid, 0)
    if part:
        yield part


def _sizes(client: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
    typ, data = client.uid("FETCH", _set(uids), "(RFC822.SIZE)")
    _check((typ, data), "FETCH")
    sizes = {}
    for item in data:
        line = item[0] if isinstance(item, tuple) else item
        if isinstance(line, bytes) and (uid := UID_OF.search(line)) and (s := SIZE_OF.search(line)):
            sizes[int(uid.group(1))] = int(s.group(1))
    return sizes


def _bodies(client: imaplib.IMAP4, uids: list[int], part: str) -> dict[int, bytes]:
    if not uids:
        return {}
    typ, data = client.uid("FETCH", _set(uids), f"(UID {part})")
    _check((typ, data), "FETCH")
    bodies = {}
    for item in data:
        if isinstance(item, tuple) and (uid := UID_OF.search(item[0])):
            bodies[int(uid.group(1))] = bytes(item[1])
    return bodies


def _done(client: imaplib.IMAP4, settings: MailSettings, uids: list[int]) -> None:
    if settings.imap_move_to:
        _check(client.uid("MOVE", _set(uids), _quote(settings.imap_move_to)), "MOVE")
    else:
        _check(client.uid("STORE", _set(uids), "+FLAGS.SILENT", r"(\Seen)"), "STORE")


def _set(uids: list[int]) -> str:
    return ",".join(str(uid) for uid in uids)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(answer: tuple[str, Sequence[object]], command: str) -> None:
    typ, data = answer
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{command} failed: {data!r}")


def _logout(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except (imaplib.IMAP4.error, OSError):
        logger.debug("IMAP logout failed", exc_info=True)
