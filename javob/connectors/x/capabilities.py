"""What an X inbox can do with the access its owner pays for.

X sells its API in tiers; direct messages, the Account Activity webhooks and posting each
depend on the tier and on the app's permissions. An inbox therefore has capabilities:

- `dms`: direct messages are received (from the Account Activity webhook);
- `mentions`: posts that mention the account are received, as public conversations;
- `send_dm`: agents can answer by direct message;
- `reply`: agents can answer a mention publicly;
- `media`: agents can send a file with a reply (X's media upload endpoints).

The `capabilities` setting lists them (comma-separated); when it is empty, the receiving ones
are on and the sending ones are on when the inbox has credentials to act as the account. A 403
from X when sending takes that capability away (kept under `denied` in the inbox's settings
with X's words) until the inbox is reconnected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from javob.conversations.models import Inbox

DMS, MENTIONS, SEND_DM, REPLY, MEDIA = "dms", "mentions", "send_dm", "reply", "media"
ALL = (DMS, MENTIONS, SEND_DM, REPLY, MEDIA)
DENIED = "denied"  # settings key: {capability: X's reason}


def configured(inbox: Inbox, *, can_act: bool) -> tuple[str, ...]:
    raw = str(inbox.settings.get("capabilities") or "").strip()
    if raw:
        names = {name.strip().lower() for name in raw.replace(";", ",").split(",")}
        return tuple(name for name in ALL if name in names)
    return ALL if can_act else (DMS, MENTIONS)


def unknown(raw: str) -> list[str]:
    names = [name.strip().lower() for name in raw.replace(";", ",").split(",") if name.strip()]
    return [name for name in names if name not in ALL]


def denied(inbox: Inbox) -> dict[str, str]:
    value = inbox.settings.get(DENIED)
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def effective(inbox: Inbox, *, can_act: bool) -> tuple[str, ...]:
    refused = denied(inbox)
    return tuple(name for name in configured(inbox, can_act=can_act) if name not in refused)


def limits(inbox: Inbox, *, can_act: bool) -> list[str]:
    """One plain sentence for each thing this inbox cannot do, for the settings page and the
    composer."""
    have = effective(inbox, can_act=can_act)
    refused = denied(inbox)
    sentences = {
        DMS: _(
            "Direct messages are not received: this inbox does not have X's direct message access."
        ),
        MENTIONS: _("Posts that mention the account are not received."),
        SEND_DM: _("Replies by direct message cannot be sent with this X access."),
        REPLY: _("Public replies to mentions cannot be posted with this X access."),
        MEDIA: _("Files cannot be sent with this X access; replies carry text only."),
    }
    out = []
    for name in ALL:
        if name in have:
            continue
        sentence = sentences[name]
        if name in refused:
            sentence = _("%(limit)s X said: %(reason)s") % {
                "limit": sentence,
                "reason": refused[name],
            }
        out.append(sentence)
    return out
