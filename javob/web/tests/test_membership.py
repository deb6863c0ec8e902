import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from conftest import Cast
from javob.accounts.actions import do_create_workspace
from javob.web.membership import admin_required, agent_required, choose_workspace


@agent_required
def agent_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.membership.workspace.name)  # type: ignore[attr-defined]


@admin_required
def admin_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("admin")


def request_for(user: object) -> HttpRequest:
    request = RequestFactory().get("/inbox?view=mine")
    request.user = user  # type: ignore[assignment]
    request.session = SessionStore()
    return request


def test_anonymous_is_sent_to_sign_in(db: None) -> None:
    response = agent_page(request_for(AnonymousUser()))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/inbox%3Fview%3Dmine"


def test_agent_pages_open_in_the_first_workspace_and_switch_on_request(cast: Cast) -> None:
    user = cast.alice.user
    other, _owner = do_create_workspace("Other", user.email)
    request = request_for(user)

    assert agent_page(request).content == b"Workspace A"
    choose_workspace(request, other.pk)
    assert agent_page(request).content == b"Other"


def test_a_workspace_the_user_is_not_in_cannot_be_chosen(cast: Cast) -> None:
    request = request_for(cast.alice.user)

    with pytest.raises(Http404):
        choose_workspace(request, cast.b.pk)
    assert agent_page(request).content == b"Workspace A"


def test_only_owners_and_admins_pass_admin_required(cast: Cast) -> None:
    assert admin_page(request_for(cast.alice.user)).status_code == 200
    with pytest.raises(PermissionDenied):
        admin_page(request_for(cast.bob.user))
