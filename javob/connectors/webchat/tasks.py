"""Background work of the web-chat channel."""

from __future__ import annotations

from django.tasks import task

from javob.connectors.webchat.followup import send_transcript


@task()
def mail_transcript(visitor_id: int, email: str) -> None:
    send_transcript(visitor_id, email)
