"""The web-chat channel: the widget talks to Javob directly, so there is no webhook; agent
replies go to the visitor's open widgets over the channel layer (and by email to a visitor
who has left, see followup.py)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from javob.connectors.base import Connector
from javob.connectors.webchat.config import WidgetConfig, widget_config
from javob.connectors.webchat.models import Visitor
from javob.connectors.webchat.queries import message_for_widget
from javob.conversations.models import Conversation, Inbox
from javob.core.errors import ActionError
from javob.realtime.publish import send_to_groups

if TYPE_CHECKING:
    from javob.conversations.models import Message


def visitor_group(visitor_id: int) -> str:
    return f"webchat.visitor.{visitor_id}"


def push(visitor_ids: list[int], event: str, payload: dict[str, Any]) -> None:
    """Send an event to every open widget of these visitors (nothing if none is open)."""
    message = {"type": "widget.event", "event": event, "payload": payload}
    send_to_groups([visitor_group(v) for v in visitor_ids], message)


def check_widget_settings(
    settings: dict[str, Any], languages: list[str], workspace_id: int
) -> WidgetConfig:
    """The one check of a web-chat inbox's settings (CLI, API and the settings page): parses
    them and makes sure `email_inbox` names an email inbox of the same workspace."""
    config = widget_config(settings, languages)
    if (
        config.email_inbox is not None
        and not Inbox.objects.filter(
            pk=config.email_inbox, workspace_id=workspace_id, kind="email"
        ).exists()
    ):
        raise ActionError(
            _("`email_inbox` must name an email inbox of this workspace."),
            field="email_inbox",
        )
    return config


class WebchatConnector(Connector):
    kind = "webchat"
    required_settings = ("allowed_origins",)
    secret_settings = ("identity_secret",)

    def setup(self) -> None:
        settings = self.inbox.settings
        settings.setdefault("public_id", secrets.token_urlsafe(12))
        check_widget_settings(settings, list(self.inbox.languages), self.inbox.workspace_id)
        if not self.inbox.secrets:
            self.inbox.secrets = {}
        self.inbox.secrets.setdefault("identity_secret", secrets.token_urlsafe(32))

    def check_settings(self) -> None:
        check_widget_settings(
            self.inbox.settings, list(self.inbox.languages), self.inbox.workspace_id
        )

    def send(self, message: Message) -> str:
        if message.sender_type == "agent":  # a person answered: the bot steps back
            Visitor.objects.filter(conversation_id=message.conversation_id, bot_active=True).update(
                bot_active=False
            )
        for visitor in Visitor.objects.filter(conversation_id=message.conversation_id):
            push([visitor.pk], "message", message_for_widget(message, visitor))
        return f"wc-{message.pk}"

    def takes_part_by_email(self, conversation: Conversation, email: str) -> bool:
        """The address a visitor of this conversation left (the one its mails went to)."""
        return Visitor.objects.filter(
            conversation_id=conversation.pk, email__iexact=email.strip()
        ).exists()


def agent_typing(conversation_id: int, agent_name: str, typing: bool) -> None:
    """Show "<agent> is typing" in the widgets of this conversation's visitors."""
    visitors = list(
        Visitor.objects.filter(conversation_id=conversation_id).values_list("pk", flat=True)
    )
    push(visitors, "typing", {"name": agent_name, "typing": typing})
