"""ASGI entry point: HTTP through Django (webhook POSTs through a small door in front of it),
websockets through Channels."""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "javob.settings")
django_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from javob.connectors.asgi import WebhookDoor  # noqa: E402
from javob.connectors.webchat.routing import widget_urlpatterns  # noqa: E402
from javob.realtime.routing import websocket_urlpatterns  # noqa: E402

websockets = AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
# Visitors' widgets run on customers' sites: no session, their own Origin check per inbox.
widgets = URLRouter(widget_urlpatterns)
origin_checked = AllowedHostsOriginValidator(websockets)


async def websocket_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Check the Origin of cookie-authenticated browsers (against cross-site websocket
    hijacking); clients that send a bearer token carry no ambient credentials to abuse and
    often send no Origin at all."""
    if scope.get("path", "").startswith("/ws/widget/"):
        await widgets(scope, receive, send)
        return
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    if any(name == b"authorization" and value.startswith(b"Bearer ") for name, value in headers):
        await websockets(scope, receive, send)
    else:
        await origin_checked(scope, receive, send)


# Provider webhooks skip Django's request machinery (see javob.connectors.asgi).
application = ProtocolTypeRouter({"http": WebhookDoor(django_app), "websocket": websocket_app})
