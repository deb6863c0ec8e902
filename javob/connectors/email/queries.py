"""Reads of the email channel."""

from __future__ import annotations

import math
from dataclasses import dataclass

from javob.connectors.email.models import OutgoingMail
from javob.conversations.models import Direction, Message


@dataclass(frozen=True, slots=True)
class ThreadingReport:
    """Sent mails of an inbox, and how many carried complete threading headers (a
    Message-ID; for a reply also In-Reply-To and References; the [#number] subject tag)."""

    sent: int
    complete: int

    @property
    def share(self) -> float:
        return self.complete / self.sent if self.sent else 1.0

    @property
    def percent(self) -> int:
        """The share in whole percent, rounded down: 99.6 % is not shown as the 100 % target."""
        return math.floor(self.share * 100)

    def as_json(self) -> dict[str, float]:
        return {"sent": self.sent, "complete": self.complete, "share": self.share}


def threading_report(inbox_id: int) -> ThreadingReport:
    sent = Message.objects.filter(
        inbox_id=inbox_id, direction=Direction.OUTGOING, sent_at__isnull=False
    )
    complete = OutgoingMail.objects.filter(message__in=sent.values("pk"), complete=True).count()
    return ThreadingReport(sent=sent.count(), complete=complete)
