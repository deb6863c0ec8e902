"""Sign-in with email and password, no open sign-up, reset by email, sign-out, expiry, TOTP."""

from __future__ import annotations

import time
from typing import Any

from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.conf import settings
from django.core import mail
from django.test import Client

from conftest import Cast
from javob.accounts.models import User


def _set_password(email: str, password: str) -> None:
    user = User.objects.get(email=email)
    user.set_password(password)
    user.save(update_fields=["password"])


def test_an_agent_signs_in_with_email_and_password_and_lands_in_the_inbox(cast: Cast) -> None:
    # given alice has a password
    _set_password("alice@example.com", "kuchli-parol-2026")
    client = Client()
    # when she signs in with her email
    response = client.post(
        "/accounts/login/", {"login": "alice@example.com", "password": "kuchli-parol-2026"}
    )
    # then she lands in her inbox, with a session that expires
    assert response.status_code == 302
    assert response["Location"] == "/inbox/"
    assert client.get("/inbox/").status_code == 200
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_a_wrong_password_does_not_sign_in(cast: Cast) -> None:
    _set_password("alice@example.com", "kuchli-parol-2026")
    client = Client()

    response = client.post("/accounts/login/", {"login": "alice@example.com", "password": "x"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert client.get("/inbox/")["Location"] == "/accounts/login/?next=/inbox/"


def test_nobody_can_sign_up_on_their_own(db: None) -> None:
    client = Client()

    response = client.post(
        "/accounts/signup/",
        {
            "email": "stranger@example.com",
            "password1": "Uzun-parol-99",
            "password2": "Uzun-parol-99",
        },
    )

    assert response.status_code == 200
    assert b"Sign Up Closed" in response.content
    assert User.objects.filter(email="stranger@example.com").exists() is False


def test_password_reset_sends_a_link_by_email(cast: Cast, mailoutbox: list[Any]) -> None:
    client = Client()

    response = client.post("/accounts/password/reset/", {"email": "bob@example.com"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["bob@example.com"]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_sign_out_ends_the_session(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.alice.user)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_with_totp_enabled_the_password_alone_is_not_enough(cast: Cast) -> None:
    # given alice turned on two-factor sign-in
    _set_password("alice@example.com", "kuchli-parol-2026")
    secret = generate_totp_secret()
    TOTP.activate(cast.alice.user, secret)
    client = Client()
    # when she gives her password, she is asked for the code
    response = client.post(
        "/accounts/login/", {"login": "alice@example.com", "password": "kuchli-parol-2026"}
    )
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session
    # and the current code signs her in
    counter = int(time.time()) // 30  # allauth's TOTP period
    code = format_hotp_value(hotp_value(secret, counter))
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    assert response["Location"] == "/inbox/"
    assert client.session["_auth_user_id"] == str(cast.alice.user.pk)


def test_two_factor_settings_open_in_the_app_layout(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.alice.user)

    response = client.get("/accounts/2fa/")

    assert response.status_code == 200
    body = response.content.decode()
    assert '<div class="card narrow">' in body
    assert 'href="/accounts/2fa/totp/activate/"' in body


def test_django_admin_still_signs_in_superusers_by_email(db: None) -> None:
    User.objects.create_superuser("root@example.com", "Kuchli-parol-1")
    client = Client()

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "root@example.com", "password": "Kuchli-parol-1"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
