import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from conftest import Cast
from javob.accounts.models import Membership, User
from javob.web.settings_pages.tests.support import snapshot


def invite(alice: Client, on_commit: Callable[..., Any], **fields: Any) -> Any:
    data = {"email": "dave@example.com", "display_name": "Dave", "role": "agent"} | fields
    with on_commit():
        return alice.post("/settings/agents/invite/", data)


def link_in(message: mail.EmailMessage) -> str:
    found = re.search(r"http://127\.0\.0\.1:8000(/\S+)", str(message.body))
    assert found is not None, message.body
    return found.group(1)


def test_an_invited_agent_sets_a_password_through_the_emailed_link_once(
    cast: Cast, alice: Client, on_commit: Callable[..., Any]
) -> None:
    response = invite(alice, on_commit, languages="uz, ru", teams=[cast.support.pk])

    assert response.status_code == 302
    member = Membership.objects.select_related("user").get(user__email="dave@example.com")
    assert (member.workspace_id, member.role, member.display_name, member.languages) == (
        cast.a.pk,
        "agent",
        "Dave",
        ["uz", "ru"],
    )
    assert list(member.teams.values_list("name", flat=True)) == ["Support"]
    assert member.user.has_usable_password() is False
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert (message.to, message.subject) == (
        ["dave@example.com"],
        "You are invited to Workspace A on Javob",
    )
    path = link_in(message)
    assert path.startswith("/settings/invite/")
    assert "it works once and expires in 7 days" in str(message.body)

    visitor = Client()
    form_page = visitor.get(path)
    assert form_page.status_code == 200
    assert "dave@example.com" in form_page.content.decode()
    done = visitor.post(
        path, {"new_password1": "plum-kettle-93", "new_password2": "plum-kettle-93"}
    )
    assert done.status_code == 302
    assert done["Location"] == "/accounts/login/"
    assert User.objects.get(email="dave@example.com").check_password("plum-kettle-93")

    again = visitor.post(path, {"new_password1": "other-pass-77", "new_password2": "other-pass-77"})
    assert again.status_code == 410
    assert "already been used" in again.content.decode()
    assert User.objects.get(email="dave@example.com").check_password("plum-kettle-93")


def test_an_expired_invitation_is_refused(
    cast: Cast, alice: Client, on_commit: Callable[..., Any]
) -> None:
    invite(alice, on_commit)
    path = link_in(mail.outbox[0])
    password_before = User.objects.get(email="dave@example.com").password

    with time_machine.travel(timezone.now() + dt.timedelta(days=7, minutes=1)):
        response = Client().post(
            path, {"new_password1": "plum-kettle-93", "new_password2": "plum-kettle-93"}
        )

    assert response.status_code == 410
    assert "This invitation has expired." in response.content.decode()
    assert User.objects.get(email="dave@example.com").password == password_before


def test_a_tampered_link_is_refused(
    cast: Cast, alice: Client, on_commit: Callable[..., Any]
) -> None:
    invite(alice, on_commit)
    path = link_in(mail.outbox[0])

    response = Client().get(path[:-3] + "abc/")

    assert response.status_code == 410
    assert "This invitation link is not valid." in response.content.decode()


def test_a_weak_password_is_refused_next_to_the_field(
    cast: Cast, alice: Client, on_commit: Callable[..., Any]
) -> None:
    invite(alice, on_commit)
    path = link_in(mail.outbox[0])

    response = Client().post(path, {"new_password1": "12345678", "new_password2": "12345678"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "new_password2": ["This password is too common.", "This password is entirely numeric."]
    }
    assert User.objects.get(email="dave@example.com").has_usable_password() is False


def test_sending_the_invitation_again_retires_the_first_link(
    cast: Cast, alice: Client, on_commit: Callable[..., Any]
) -> None:
    invite(alice, on_commit)
    first = link_in(mail.outbox[0])
    member = Membership.objects.get(user__email="dave@example.com")

    with on_commit():
        alice.post(f"/settings/agents/{member.pk}/reinvite/")

    second = link_in(mail.outbox[1])
    assert first != second
    assert Client().get(first).status_code == 410
    assert Client().get(second).status_code == 200


def test_inviting_someone_with_an_account_keeps_their_password(
    cast: Cast, alice: Client, on_commit: Callable[..., Any]
) -> None:
    charlie = User.objects.get(email="charlie@example.com")
    charlie.set_password("charlies-own-pass")
    charlie.save()

    invite(alice, on_commit, email="Charlie@Example.com")

    assert User.objects.get(email="charlie@example.com").check_password("charlies-own-pass")
    assert Membership.objects.filter(workspace=cast.a, user=charlie).count() == 1
    assert link_in(mail.outbox[0]) == "/accounts/login/"
    assert "Sign in with your existing password" in str(mail.outbox[0].body)


def test_inviting_an_agent_twice_is_an_error_next_to_the_email(
    cast: Cast, alice: Client, on_commit: Callable[..., Any]
) -> None:
    before = snapshot()

    response = invite(alice, on_commit, email="bob@example.com")

    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["This person is already an agent here."]}
    assert snapshot() == before
    assert mail.outbox == []
