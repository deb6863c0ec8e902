"""Background work on accounts: invitation emails. Tasks take ids and are safe to retry."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.shortcuts import resolve_url
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from javob.accounts.invitations import MAX_AGE, make_token
from javob.accounts.models import Membership


@task()
def send_invitation(membership_id: int) -> str:
    """Email an invited agent: a set-password link for a new user, a sign-in link otherwise.

    A retry may send the mail twice, never to someone who is no longer an active agent.
    """
    member = (
        Membership.objects.select_related("user", "workspace")
        .filter(pk=membership_id, is_active=True)
        .first()
    )
    if member is None:
        return "skipped"
    user = member.user
    new_user = not user.has_usable_password()
    if new_user:
        path = reverse("settings:invite-accept", args=[make_token(user)])
    else:
        path = resolve_url(settings.LOGIN_URL)
    context = {
        "workspace": member.workspace.name,
        "link": settings.JAVOB_PUBLIC_URL + path,
        "new_user": new_user,
        "days": MAX_AGE.days,
    }
    # A new person has not chosen a language yet: write in the workspace's.
    language = member.workspace.default_locale if new_user else user.locale
    with translation.override(language or "en"):
        subject = render_to_string("accounts/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/invitation_email.txt", context)
    EmailMessage(subject, body, to=[user.email]).send()
    return "sent"
