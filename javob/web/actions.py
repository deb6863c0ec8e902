"""Writes of the agent UI: preferences, saved filters, read marks, replies with files and
bulk changes. Conversation changes go through javob.conversations.actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.accounts.models import Membership
from javob.connectors.base import OutgoingFile
from javob.conversations import actions as conversation_actions
from javob.conversations.models import Conversation, Message
from javob.core.errors import ActionError, NotFound
from javob.core.validation import check_time_zone
from javob.web.mentions import do_record_mentions
from javob.web.models import ReadMark, SavedFilter
from javob.web.queries import Filters

MAX_UPLOAD = 20 * 1024 * 1024
MAX_FILES = 10
MAX_BULK = 200
MAX_SIGNATURE = 2000


def check_set_preferences(
    member: Membership, locale: str, time_zone: str, email_signature: str | None = None
) -> Membership:
    """Set the agent's interface language (for every workspace), and time zone and email
    signature (this one); a signature of None is left as it is."""
    if locale not in dict(settings.LANGUAGES):
        raise ActionError(_("Unknown language."), field="locale")
    check_time_zone(time_zone)
    fields = ["time_zone"]
    if email_signature is not None:
        member.email_signature = check_email_signature(email_signature)
        fields.append("email_signature")
    user = member.user
    user.locale = locale
    user.save(update_fields=["locale"])
    member.time_zone = time_zone
    member.save(update_fields=fields)
    return member


def check_email_signature(text: str) -> str:
    """The signature as stored: line ends normalised, trailing spaces and blank edges gone."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    signature = "\n".join(lines).strip("\n")
    if len(signature) > MAX_SIGNATURE:
        raise ActionError(
            _("The email signature can be at most %(n)d characters.") % {"n": MAX_SIGNATURE},
            field="email_signature",
        )
    return signature


def check_save_filter(member: Membership, name: str, filters: Filters) -> SavedFilter:
    name = name.strip()
    if not name or len(name) > 100:
        raise ActionError(_("Give the filter a name of at most 100 characters."), field="name")
    saved, _created = SavedFilter.objects.update_or_create(
        membership=member, name=name, defaults={"params": filters.params()}
    )
    return saved


def check_delete_filter(member: Membership, filter_id: int) -> None:
    deleted, _rows = SavedFilter.objects.filter(membership=member, pk=filter_id).delete()
    if not deleted:
        raise NotFound(_("No such filter."), field="filter_id")


def do_mark_read(member: Membership, conversation: Conversation) -> None:
    """One upsert statement: opening a conversation must stay cheap."""
    mark = ReadMark(membership=member, conversation=conversation, read_at=timezone.now())
    ReadMark.objects.bulk_create(
        [mark],
        update_conflicts=True,
        unique_fields=["membership", "conversation"],
        update_fields=["read_at"],
    )


def check_post_message(
    member: Membership,
    conversation_id: int,
    text: str,
    *,
    note: bool,
    files: Sequence[UploadedFile[bytes]] = (),
) -> Message:
    """A reply (or an internal note) with attachments, stored in one transaction so the
    delivery task, which runs after commit, sees the files. A note records its @-mentions."""
    if len(files) > MAX_FILES:
        raise ActionError(_("Attach at most 10 files."), field="files")
    if any((f.size or 0) > MAX_UPLOAD for f in files):
        raise ActionError(_("A file is larger than 20 MB."), field="files")
    with transaction.atomic():
        if note:
            message = conversation_actions.check_add_note(member, conversation_id, text)
            do_record_mentions(member, message)
        else:
            described = [
                OutgoingFile(
                    f.name or "attachment",
                    f.content_type or "application/octet-stream",
                    f.size or 0,
                )
                for f in files
            ]
            message = conversation_actions.check_send_reply(
                member, conversation_id, text, files=described
            )
        for upload in files:
            conversation_actions.store_attachment(
                message,
                upload.name or "attachment",
                upload.content_type or "application/octet-stream",
                upload.read(),
            )
    return message


@dataclass(frozen=True, slots=True)
class BulkResult:
    done: int
    failed: int


def check_bulk(
    member: Membership, conversation_ids: Sequence[int], action: str, value: str
) -> BulkResult:
    """Apply one change to many conversations, each through its own action (and its own
    permission check); the ones the agent may not change are counted, not fatal."""
    if not conversation_ids:
        raise ActionError(_("Select at least one conversation."), field="ids")
    if len(conversation_ids) > MAX_BULK:
        raise ActionError(_("Select at most 200 conversations."), field="ids")
    change = _bulk_change(member, action, value)
    done = failed = 0
    for pk in conversation_ids:
        try:
            change(pk)
            done += 1
        except ActionError:
            failed += 1
    return BulkResult(done, failed)


def _bulk_change(member: Membership, action: str, value: str) -> Callable[[int], object]:
    match action:
        case "assign":
            assignee = int(value) if value.isdigit() else None
            return lambda pk: conversation_actions.check_assign(member, pk, assignee_id=assignee)
        case "label":
            return lambda pk: _add_label(member, pk, value)
        case "status":
            return lambda pk: conversation_actions.check_change_status(member, pk, value)
    raise ActionError(_("Unknown bulk action."), field="action")


def _add_label(member: Membership, conversation_id: int, name: str) -> Conversation:
    if not name.strip():
        raise ActionError(_("Give a label."), field="value")
    current = list(
        Conversation.labels.through.objects.filter(conversation_id=conversation_id).values_list(
            "label__name", flat=True
        )
    )
    return conversation_actions.check_set_labels(member, conversation_id, [*current, name])
