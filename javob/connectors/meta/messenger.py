"""Facebook Messenger: Page conversations and comments on the Page's posts (`feed`)."""

from __future__ import annotations

from javob.connectors.meta.connector import MetaMessagingConnector


class MessengerConnector(MetaMessagingConnector):
    kind = "messenger"
    webhook_object = "page"
    comment_field = "feed"
    public_reply_edge = "comments"
    accepts_uploads = True
