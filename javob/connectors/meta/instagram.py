"""Instagram: direct messages (with story replies and mentions) and comments on the
account's media."""

from __future__ import annotations

from javob.connectors.meta.connector import MetaMessagingConnector


class InstagramConnector(MetaMessagingConnector):
    kind = "instagram"
    webhook_object = "instagram"
    comment_field = "comments"
    public_reply_edge = "replies"
    # The Instagram messaging API takes attachments by URL only.
    accepts_uploads = False
