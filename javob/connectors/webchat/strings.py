"""The widget's interface text, translated on the server into the visitor's language."""

from __future__ import annotations

from django.utils.translation import gettext as _


def widget_strings() -> dict[str, str]:
    return {
        "open": _("Chat with us"),
        "close": _("Close chat"),
        "title": _("Chat"),
        "greeting": _("Hello! How can we help you?"),
        "placeholder": _("Write a message…"),
        "send": _("Send"),
        "attach": _("Attach a file"),
        "name": _("Your name"),
        "email": _("Your email"),
        "phone": _("Your phone number"),
        "start": _("Start chat"),
        "required": _("Required"),
        "offline": _("We are away right now."),
        "back_at": _("We are back %(when)s."),
        "leave_email": _("Leave your email and we will answer there."),
        "saved": _("Thank you! We will answer by email."),
        "bot": _("A bot is answering"),
        "person": _("Talk to a person"),
        "handed_over": _("A person will answer soon."),
        "typing": _("%(name)s is typing…"),
        "agent": _("Support"),
        "read": _("Read"),
        "sending": _("Sending…"),
        "failed": _("Not sent. Retrying…"),
        "reconnecting": _("Reconnecting…"),
        "transcript": _("Email me this conversation"),
        "transcript_sent": _("The transcript is on its way."),
        "too_large": _("The file is too large."),
        "powered": _("Javob"),
        "agents_online": _("Online"),
        "agents_away": _("Away"),
    }
