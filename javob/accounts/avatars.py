"""Agents' pictures: uploaded in the preferences, shown to customers in the web chat.

Only raster images whose bytes say so (PNG, JPEG, GIF, WebP; never SVG, which can carry
script), at most 2 MB, stored through the default storage under a random name. The public
address carries only `avatar_key`, a random value replaced on every upload, so it never
shows a storage path and can be cached forever.
"""

from __future__ import annotations

import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from javob.accounts.models import Membership
from javob.core.errors import ActionError

MAX_AVATAR_BYTES = 2 * 1024 * 1024
CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}


def sniff(data: bytes) -> str | None:
    """The file extension of a PNG, JPEG, GIF or WebP image, from its first bytes."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(name.rsplit(".", 1)[-1], "application/octet-stream")


def check_set_avatar(member: Membership, data: bytes) -> Membership:
    """Replace the agent's picture in this workspace (the old file is deleted after commit)."""
    if len(data) > MAX_AVATAR_BYTES:
        raise ActionError(_("The picture is too large (at most 2 MB)."), field="avatar")
    extension = sniff(data)
    if extension is None:
        raise ActionError(_("Use a PNG, JPEG, GIF or WebP picture."), field="avatar")
    old = member.avatar.name or ""
    with transaction.atomic():
        member.avatar.save(f"{secrets.token_hex(16)}.{extension}", ContentFile(data), save=False)
        member.avatar_key = secrets.token_urlsafe(16)
        member.save(update_fields=["avatar", "avatar_key"])
        _delete_after_commit(member, old)
    return member


def check_remove_avatar(member: Membership) -> Membership:
    """Back to the initial: the picture is deleted and its address stops answering."""
    old = member.avatar.name or ""
    with transaction.atomic():
        member.avatar = ""
        member.avatar_key = ""
        member.save(update_fields=["avatar", "avatar_key"])
        _delete_after_commit(member, old)
    return member


def _delete_after_commit(member: Membership, name: str) -> None:
    if name:
        storage = member.avatar.storage
        transaction.on_commit(lambda: storage.delete(name))
