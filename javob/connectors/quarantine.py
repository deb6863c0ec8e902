"""An inbox's quarantine, for its owners and admins: what could not be parsed, its bytes, and
putting it back in line.

An email inbox's quarantine is its `RawMail` rows with outcome "quarantined"; any other inbox's
is its `InboundPayload` rows with an error. Reprocessing goes through the same functions as
`javob email reprocess` and `javob connectors reprocess`.
"""

from __future__ import annotations

import datetime as dt
from contextlib import suppress
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.db.models import (
    BinaryField,
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Length, Substr
from django.utils.translation import gettext as _

from javob.accounts.audit import record
from javob.accounts.models import Membership
from javob.connectors import tasks
from javob.connectors.email import actions as mail_actions
from javob.connectors.email.models import Outcome, RawMail
from javob.connectors.models import InboundPayload
from javob.conversations.models import Inbox
from javob.conversations.settings_actions import access_settings_inbox
from javob.core.errors import Conflict, NotFound

# The list reads only this much of each mail: enough for From and Subject in almost every
# mail, and a list of large mails never loads their bodies.
HEAD_BYTES = 8192
PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Quarantined:
    """One quarantined mail or payload as the list shows it."""

    id: int
    received_at: dt.datetime
    size: int
    error: str
    sender: str = ""
    subject: str = ""
    # False for a mail over the size limit, of which only the headers were kept: parsing
    # those again would make a message without its body, so it is not offered.
    complete: bool = True


@dataclass(frozen=True, slots=True)
class RawItem:
    """The stored bytes of one quarantined item, with how to hand them out."""

    content: bytes
    content_type: str
    filename: str


def is_mail(inbox: Inbox) -> bool:
    return inbox.kind == "email"


def with_quarantine_count(inboxes: QuerySet[Inbox]) -> QuerySet[Inbox]:
    """Annotate each inbox with `quarantined`, the size of its quarantine, in the same query."""
    mails = _count(RawMail.objects.filter(inbox=OuterRef("pk"), outcome=Outcome.QUARANTINED))
    payloads = _count(InboundPayload.objects.filter(inbox=OuterRef("pk")).exclude(error=""))
    return inboxes.annotate(quarantined_mails=mails, quarantined_payloads=payloads)


def quarantine_count(inbox: Inbox) -> int:
    """The size of an inbox's quarantine, from `with_quarantine_count()`'s annotations."""
    name = "quarantined_mails" if is_mail(inbox) else "quarantined_payloads"
    return int(getattr(inbox, name, 0))


def _count(rows: QuerySet[RawMail] | QuerySet[InboundPayload]) -> Coalesce:
    counted = rows.order_by().values("inbox").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def access_quarantine(actor: Membership, inbox_id: int) -> Inbox:
    """An inbox of the actor's workspace, for an owner or admin; NotFound for any other."""
    return access_settings_inbox(actor, inbox_id)


def quarantine_of(inbox: Inbox, limit: int = PAGE_SIZE) -> list[Quarantined]:
    """The oldest `limit` quarantined items of an inbox, in one query."""
    if is_mail(inbox):
        mails = (
            RawMail.objects.filter(inbox=inbox, outcome=Outcome.QUARANTINED)
            .order_by("received_at", "pk")
            .annotate(
                head=Substr("raw", 1, HEAD_BYTES, output_field=BinaryField()),
                kept=Length("raw"),
            )
            .values_list("pk", "received_at", "size", "error", "head", "kept")[:limit]
        )
        return [
            Quarantined(
                pk, at, size, error, *_sender_and_subject(bytes(head)), complete=kept == size
            )
            for pk, at, size, error, head, kept in mails
        ]
    payloads = (
        InboundPayload.objects.filter(inbox=inbox)
        .exclude(error="")
        .order_by("received_at", "pk")
        .annotate(size=Length("body"))
        .values_list("pk", "received_at", "size", "error")[:limit]
    )
    return [Quarantined(pk, at, size, error) for pk, at, size, error in payloads]


def _sender_and_subject(head: bytes) -> tuple[str, str]:
    """From and Subject of a mail's first bytes, decoded as well as they can be (the mail is
    in quarantine because something in it is broken)."""
    headers: dict[str, str] = {}
    # raw_items(): the values as stored, raw 8-bit bytes kept as surrogates (get() would
    # turn them into replacement characters).
    for name, value in BytesHeaderParser(policy=compat32).parsebytes(head).raw_items():
        headers.setdefault(name.lower(), str(value))
    return _decoded(headers.get("from")), _decoded(headers.get("subject"))


def _decoded(value: str | None) -> str:
    if value is None:
        return ""
    text = value
    # compat32 keeps raw 8-bit header bytes as surrogates: read them as UTF-8.
    with suppress(UnicodeEncodeError):
        text = text.encode("ascii", "surrogateescape").decode("utf-8", "replace")
    with suppress(LookupError, UnicodeError, HeaderParseError):  # unknown charset, bad word
        text = str(make_header(decode_header(text)))
    return " ".join(text.split())[:300]


def check_raw(actor: Membership, inbox_id: int, item_id: int) -> RawItem:
    """The stored bytes of one quarantined mail or payload of an inbox, for an owner or
    admin; NotFound for anything not in that inbox's quarantine."""
    inbox = access_quarantine(actor, inbox_id)
    if is_mail(inbox):
        mail = _mails(inbox).filter(pk=item_id).values_list("raw", flat=True).first()
        if mail is None:
            raise _not_found()
        return RawItem(bytes(mail), "message/rfc822", f"mail-{item_id}.eml")
    body = _payloads(inbox).filter(pk=item_id).values_list("body", flat=True).first()
    if body is None:
        raise _not_found()
    return RawItem(bytes(body), "application/octet-stream", f"payload-{item_id}.bin")


def check_reprocess(actor: Membership, inbox_id: int, item_id: int) -> None:
    """Put one quarantined mail or payload back in line, through the same function the CLI
    uses; it is parsed again after commit. Audited."""
    inbox = access_quarantine(actor, inbox_id)
    if is_mail(inbox):
        sizes = _mails(inbox).filter(pk=item_id).annotate(kept=Length("raw"))
        found = sizes.values_list("size", "kept").first()
        if found is None:
            raise _not_found()
        if found[0] != found[1]:
            raise Conflict(_("Only the headers of this mail were kept: it is too large."))
        mail_actions.reprocess([item_id])
    else:
        if not _payloads(inbox).filter(pk=item_id).exists():
            raise _not_found()
        tasks.reprocess([item_id])
    record(actor, "inbox.quarantine_reprocessed", inbox=inbox.pk, item=item_id)


def _mails(inbox: Inbox) -> QuerySet[RawMail]:
    return RawMail.objects.filter(inbox=inbox, outcome=Outcome.QUARANTINED)


def _payloads(inbox: Inbox) -> QuerySet[InboundPayload]:
    return InboundPayload.objects.filter(inbox=inbox).exclude(error="")


def _not_found() -> NotFound:
    return NotFound(_("This item is not in the inbox's quarantine."), field="item_id")
