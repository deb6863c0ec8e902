"""A web-chat inbox of workspace A and a client that talks like the widget on its site."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from django.test.client import MULTIPART_CONTENT

from javob.accounts.models import Workspace
from javob.connectors.actions import do_add_inbox
from javob.conversations.models import Inbox

SITE = "https://shop.example"


def add_webchat(workspace: Workspace, **settings: str) -> Inbox:
    options = {"allowed_origins": f"{SITE} https://www.shop.example", **settings}
    return do_add_inbox(workspace, "webchat", "Site chat", options, ["uz", "uz-cyrl", "ru", "en"])


class Widget:
    """The widget's HTTP calls, from `origin`, with the visitor token once it has one."""

    def __init__(self, inbox: Inbox, origin: str = SITE) -> None:
        self.inbox = inbox
        self.public_id = str(inbox.settings["public_id"])
        self.origin = origin
        self.token = ""
        self.client = Client()

    def _headers(self) -> dict[str, str]:
        headers = {"origin": self.origin}
        if self.token:
            headers["x-javob-visitor"] = self.token
        return headers

    def post(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(
            f"/widget/{self.public_id}/{path}",
            json.dumps(data),
            content_type="application/json",
            headers=self._headers(),
        )

    def upload(self, client_id: str, name: str, content: bytes, content_type: str) -> Any:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return self.client.post(
            f"/widget/{self.public_id}/messages",
            {"client_id": client_id, "file": SimpleUploadedFile(name, content, content_type)},
            content_type=MULTIPART_CONTENT,
            headers=self._headers(),
        )

    def get(self, path: str) -> Any:
        return self.client.get(f"/widget/{self.public_id}/{path}", headers=self._headers())

    def start(self, languages: tuple[str, ...] = ("uz-UZ", "ru"), **extra: Any) -> Any:
        response = self.post(
            "session", {"token": self.token, "languages": list(languages), **extra}
        )
        if response.status_code == 200:
            self.token = response.json()["token"]
        return response

    def say(self, client_id: str, text: str) -> Any:
        return self.post("messages", {"client_id": client_id, "text": text})
