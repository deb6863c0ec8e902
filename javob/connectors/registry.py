"""Connector classes by channel kind, imported lazily from dotted paths."""

from __future__ import annotations

from functools import cache
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from javob.connectors.base import Connector
    from javob.conversations.models import Inbox

CONNECTORS: dict[str, str] = {
    "api": "javob.connectors.api.connector.ApiConnector",
    "webchat": "javob.connectors.webchat.connector.WebchatConnector",
    "whatsapp": "javob.connectors.whatsapp.connector.WhatsAppConnector",
    "messenger": "javob.connectors.meta.messenger.MessengerConnector",
    "instagram": "javob.connectors.meta.instagram.InstagramConnector",
    "telegram": "javob.connectors.telegram.connector.TelegramConnector",
    "email": "javob.connectors.email.connector.EmailConnector",
    "sms": "javob.connectors.sms.connector.SmsConnector",
    "x": "javob.connectors.x.connector.XConnector",
}


class UnknownChannel(LookupError):
    pass


@cache
def connector_class(kind: str) -> type[Connector]:
    path = CONNECTORS.get(kind)
    if path is None:
        raise UnknownChannel(kind)
    module_name, _dot, class_name = path.rpartition(".")
    cls: type[Connector] = getattr(import_module(module_name), class_name)
    return cls


def connector_for(inbox: Inbox) -> Connector:
    return connector_class(inbox.kind)(inbox)


def has_connector(kind: str) -> bool:
    return kind in CONNECTORS
