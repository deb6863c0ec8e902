"""The audit trail of administrative changes: one log line per change, on `javob.audit`.

Timeline events belong to conversations; changes to the workspace itself (agents, roles,
teams, tokens, inboxes, labels, a secret shown to an admin) are written here, so an operator
can route this logger to a file or a log service of its own.
"""

from __future__ import annotations

import logging
from typing import Any

from javob.accounts.models import Membership

logger = logging.getLogger("javob.audit")


def record(actor: Membership | None, action: str, **data: Any) -> None:
    """Log that `actor` did `action` in their workspace, with the changed values."""
    details = " ".join(f"{key}={value!r}" for key, value in sorted(data.items()))
    logger.info(
        "%s workspace=%s actor=%s %s",
        action,
        actor.workspace_id if actor else None,
        actor.pk if actor else None,
        details,
        extra={"audit_action": action, "audit_data": data},
    )
