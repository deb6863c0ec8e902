"""Which conversation a mail belongs to, and the headers that keep replies in it.

Incoming mail joins a conversation by, in order:
1. the reply token in a recipient address (reply+<token>@<reply domain>);
2. its own Message-ID, In-Reply-To and References against every stored mail's own id and
   citations (both ways: a reply that arrived before its parent is found by the parent
   through the reply's citation of it; siblings meet through a shared ancestor). When these
   ids link several conversations, they are one thread that arrived out of order: they are
   merged into the oldest, so any arrival order ends in the same grouping. A conversation
   of another inbox (a web chat continuing by email through this one) is joined this way
   only when the sender takes part in it (`continues`), and never merged;
3. the [#number] in the subject, only when the sender already takes part in that
   conversation: a stranger citing someone else's number starts a new one.
Nothing else joins: newsletters and bulk mail with one subject stay apart.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from javob.connectors.email.models import MailId, MailIdKind, Participant, ReplyToken
from javob.connectors.registry import connector_for
from javob.contacts.models import ContactIdentity
from javob.conversations.models import Conversation, Inbox, Message

NUMBER_TAG = re.compile(r"\[#(\d{1,18})\]")
MAX_REFERENCES = 30
TOKEN_BYTES = 10  # 16 base32 characters: unguessable, and safe in a case-folding local part


def norm_id(value: str) -> str:
    """A Message-ID without its angle brackets and surrounding space ("" if none)."""
    value = value.strip()
    if value.startswith("<"):
        value = value[1:].split(">", 1)[0]
    return value.strip()[:500]


def norm_ids(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        cleaned = norm_id(value)
        if cleaned and cleaned not in seen:
            seen.append(cleaned)
    return seen


def survivor(conversation: Conversation) -> Conversation:
    seen = {conversation.pk}
    while conversation.merged_into_id is not None and conversation.merged_into_id not in seen:
        seen.add(conversation.merged_into_id)
        conversation = Conversation.objects.get(pk=conversation.merged_into_id)
    return conversation


@dataclass(frozen=True, slots=True)
class Choice:
    """The conversation to join (None: start one) and others the mail proved to be its thread."""

    conversation_id: int | None
    rule: str
    merge_ids: tuple[int, ...] = field(default=())


def choose(
    inbox: Inbox,
    *,
    own_id: str,
    cited: Sequence[str],
    recipients: Iterable[str],
    reply_domain: str,
    subject: str,
    sender_email: str,
) -> Choice:
    by_token = token_conversation(inbox, recipients, reply_domain)
    if by_token is not None:
        return Choice(by_token.pk, "token")
    linked = id_conversations(inbox, [own_id, *cited] if own_id else list(cited))
    own = [conversation for conversation in linked if conversation.inbox_id == inbox.pk]
    if own:
        target, *others = own
        return Choice(target.pk, "message_id", tuple(other.pk for other in others))
    continued = next((c for c in linked if continues(c, sender_email)), None)
    if continued is not None:
        return Choice(continued.pk, "message_id")
    by_number = number_conversation(inbox, subject, sender_email)
    if by_number is not None:
        return Choice(by_number.pk, "number")
    return Choice(None, "new")


def token_conversation(
    inbox: Inbox, recipients: Iterable[str], reply_domain: str
) -> Conversation | None:
    tokens = [token for address in recipients if (token := token_of(address, reply_domain))]
    if not tokens:
        return None
    row = (
        ReplyToken.objects.filter(inbox=inbox, token__in=tokens)
        .select_related("conversation")
        .first()
    )
    return survivor(row.conversation) if row is not None else None


def token_of(address: str, reply_domain: str) -> str:
    local, _at, domain = address.strip().lower().rpartition("@")
    if not reply_domain or domain != reply_domain or not local.startswith("reply+"):
        return ""
    return local.removeprefix("reply+")[:32]


def id_conversations(inbox: Inbox, ids: Sequence[str]) -> list[Conversation]:
    """Every conversation (survivors, oldest first) holding a mail that has or cites one of
    `ids`."""
    if not ids:
        return []
    conversation_ids = set(
        MailId.objects.filter(inbox=inbox, value__in=list(ids)).values_list(
            "message__conversation_id", flat=True
        )
    )
    found = {
        survivor(c).pk: survivor(c) for c in Conversation.objects.filter(pk__in=conversation_ids)
    }
    return [found[pk] for pk in sorted(found)]


def number_conversation(inbox: Inbox, subject: str, sender_email: str) -> Conversation | None:
    match = NUMBER_TAG.search(subject)
    if match is None or not sender_email:
        return None
    conversation = Conversation.objects.filter(
        workspace_id=inbox.workspace_id, inbox=inbox, number=int(match.group(1))
    ).first()
    if conversation is None:
        return None
    conversation = survivor(conversation)
    return conversation if takes_part(conversation, sender_email) else None


def continues(conversation: Conversation, email: str) -> bool:
    """Whether a mail citing a mail we sent for a conversation of another inbox (web chat
    continuing by email through this one) joins it: only when its sender takes part, never
    for citing alone. Such conversations are never merged with this inbox's own."""
    if not email:
        return False
    return takes_part(conversation, email) or connector_for(conversation.inbox).takes_part_by_email(
        conversation, email
    )


def takes_part(conversation: Conversation, email: str) -> bool:
    """Whether the owner of this address is the conversation's contact, a Cc'd participant or
    the sender of one of its messages."""
    identity = (
        ContactIdentity.objects.filter(
            workspace_id=conversation.workspace_id, kind="email", value=email.strip().lower()
        )
        .select_related("contact")
        .first()
    )
    if identity is None:
        return False
    contact_id = identity.contact.merged_into_id or identity.contact_id
    return (
        conversation.contact_id == contact_id
        or Participant.objects.filter(conversation=conversation, contact_id=contact_id).exists()
        or Message.objects.filter(conversation=conversation, sender_contact_id=contact_id).exists()
    )


def record_ids(
    message: Message, own_id: str, cited: Sequence[str], *, inbox_id: int | None = None
) -> None:
    """Remember the ids a stored mail has and cites, for the mails that arrive after it;
    `inbox_id`: the email inbox the mail went through, when not the message's own."""
    inbox_id = inbox_id or message.inbox_id
    rows = [MailId(inbox_id=inbox_id, message=message, kind=MailIdKind.OWN, value=own_id)]
    rows += [
        MailId(inbox_id=inbox_id, message=message, kind=MailIdKind.REFERENCE, value=value)
        for value in cited
        if value != own_id
    ]
    MailId.objects.bulk_create([row for row in rows if row.value])


def reply_token(conversation: Conversation, *, inbox_id: int | None = None) -> str:
    """The conversation's reply token, created on first use, for the email inbox whose reply
    domain carries it: the conversation's own, or the one a web chat continues through."""
    inbox_id = inbox_id or conversation.inbox_id
    existing = ReplyToken.objects.filter(conversation=conversation).first()
    if existing is not None:
        if existing.inbox_id != inbox_id:  # the web chat now continues through another inbox
            existing.inbox_id = inbox_id
            existing.save(update_fields=["inbox"])
        return existing.token
    value = base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode().lower().rstrip("=")
    ReplyToken.objects.create(conversation=conversation, inbox_id=inbox_id, token=value)
    return value


def reference_chain(parent_refs: Sequence[str], parent_id: str) -> list[str]:
    """The parent's References plus the parent; when too long, the root and the latest ones
    (RFC 5322 3.6.4 allows trimming, and the root is what most clients thread by)."""
    chain = norm_ids([*parent_refs, parent_id])
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return chain


def tagged_subject(subject: str, number: int, *, reply: bool) -> str:
    subject = " ".join(subject.split())
    if f"[#{number}]" not in subject:
        subject = f"{subject} [#{number}]".strip()
    if reply and not re.match(r"(?i)^(re|aw|sv|отв)\s*:", subject):
        subject = f"Re: {subject}"
    return subject
