"""The signature under an email reply: the inbox's template, the agent's own, or both."""

from __future__ import annotations

from collections.abc import Callable
from email import message_from_bytes, policy
from typing import Any

import pytest

from conftest import Cast
from javob.accounts.actions import AgentInput, do_add_agent
from javob.connectors.email.actions import store_mail
from javob.connectors.email.models import MailSource
from javob.connectors.email.outgoing import signature_text
from javob.connectors.email.tests.servers import SmtpSink
from javob.connectors.email.tests.support import email_inbox, mail, process_all
from javob.conversations.actions import check_send_reply
from javob.conversations.models import Message
from javob.web.actions import check_set_preferences

OnCommit = Callable[..., Any]


@pytest.mark.parametrize(
    ("template", "own", "expected"),
    [
        # no signature of the agent's own: the inbox's template, with the agent's name
        ("{agent}\nShop support", "", "Aziza K\nShop support"),
        # the agent's own replaces a template that has no place for it
        (
            "{agent}\nShop support",
            "Aziza Karimova\n+998 71 200 00 00",
            "Aziza Karimova\n+998 71 200 00 00",
        ),
        # a template with {signature} puts it there
        (
            "{signature}\n\nShop support · shop.example",
            "Aziza Karimova",
            "Aziza Karimova\n\nShop support · shop.example",
        ),
        # ... and closes up when the agent has none
        ("{agent}\n{signature}\n\n\nShop support", "", "Aziza K\n\nShop support"),
        # the agent typed the separator themselves: it is not doubled
        ("", "-- \nAziza", "Aziza"),
        ("", "--\r\nAziza\r\nShop", "Aziza\nShop"),
        # placeholders are filled once: a name or signature holding braces stays literal
        ("{agent} / {signature}", "{agent}", "Aziza K / {agent}"),
        ("", "", ""),
    ],
)
def test_signature_precedence(template: str, own: str, expected: str) -> None:
    assert signature_text(template, "Aziza K", own) == expected


@pytest.mark.django_db
def test_the_agents_signature_is_under_both_parts_of_a_reply(
    cast: Cast, sink: SmtpSink, on_commit: OnCommit
) -> None:
    # given an inbox with a team template and an agent who set her own signature
    inbox = email_inbox(
        cast.a,
        smtp_host="127.0.0.1",
        smtp_port=str(sink.port),
        smtp_security="plain",
        signature="{signature}\nShop support",
    )
    store_mail(inbox, mail(message_id="<s1@customer.example>"), MailSource.IMAP)
    process_all()
    conversation = Message.objects.get(inbox=inbox).conversation
    aziza = do_add_agent(cast.a, AgentInput(email="aziza@staff.example", display_name="Aziza K"))
    check_set_preferences(aziza, "en", "UTC", "Aziza <Karimova>\r\n  \r\nTel: 200-00-00  ")
    # when she answers
    with on_commit():
        check_send_reply(aziza, conversation.pk, "Ertaga yetkaziladi.")
    # then the plain part carries it after the "-- " line and the HTML part escaped
    sent = message_from_bytes(sink.mails[-1].raw, policy=policy.default)
    plain = sent.get_body(("plain",))
    html = sent.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content().replace("\r\n", "\n") == (
        "Ertaga yetkaziladi.\n\n-- \nAziza <Karimova>\n\nTel: 200-00-00\nShop support\n"
    )
    assert (
        '<div class="signature">Aziza &lt;Karimova&gt;<br><br>Tel: 200-00-00<br>Shop support</div>'
        in html.get_content()
    )
