"""Who may call the API: bearer tokens, the UI's session with CSRF, and nobody else."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import Cast
from javob.accounts.actions import AgentInput, do_add_agent, do_create_token, do_revoke_token
from javob.accounts.models import Membership
from tests.api.conftest import BASE, ApiClient

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/me",
    "/me/availability",
    "/agents",
    "/teams",
    "/conversations",
    "/conversations/{conversation_id}",
    "/conversations/{conversation_id}/reply",
    "/conversations/{conversation_id}/notes",
    "/conversations/{conversation_id}/assign",
    "/conversations/{conversation_id}/status",
    "/conversations/{conversation_id}/snooze",
    "/conversations/{conversation_id}/priority",
    "/conversations/{conversation_id}/labels",
    "/conversations/{conversation_id}/merge",
    "/messages/{message_id}/split",
    "/messages/{message_id}/retry",
    "/inboxes",
    "/inboxes/{inbox_id}",
    "/inboxes/{inbox_id}/messages",
    "/inboxes/{inbox_id}/statuses",
    "/contacts",
    "/contacts/{contact_id}",
    "/contacts/{contact_id}/merge",
}
CSRF_SECRET = "abcdefghijklmnopqrstuvwxyz012345"  # 32 characters, as Django makes them


def test_no_token_is_401_json(cast: Cast) -> None:
    # given no credentials at all
    # when a list and a write are requested
    listed = ApiClient(None).get("/conversations")
    written = ApiClient(None).post("/me/availability", {"availability": "online"})
    # then both answer 401 with a JSON error, and the availability stayed
    assert (listed.status, written.status) == (401, 401)
    assert listed.body == {"detail": "Send a valid API token or sign in.", "field": None}
    assert Membership.objects.get(pk=cast.alice.pk).availability == "offline"


@pytest.mark.parametrize(
    "header",
    ["Bearer jvb_not-a-real-token", "Bearer ", "Basic YWxpY2U6cGFzcw==", "jvb_no-scheme"],
)
def test_bad_credentials_are_401(cast: Cast, header: str) -> None:
    answer = Client().get(f"{BASE}/me", HTTP_AUTHORIZATION=header)
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == "Bearer"


def test_revoked_token_is_401(cast: Cast) -> None:
    # given a token that worked, then was revoked
    token, secret = do_create_token(cast.alice)
    assert ApiClient(secret).get("/me").status == 200
    do_revoke_token(token)
    # when it is used again
    answer = ApiClient(secret).get("/me")
    # then it is refused
    assert answer.status == 401


def test_token_of_deactivated_agent_is_401(cast: Cast) -> None:
    _token, secret = do_create_token(cast.bob)
    Membership.objects.filter(pk=cast.bob.pk).update(is_active=False)
    assert ApiClient(secret).get("/me").status == 401


def test_token_acts_as_its_agent(cast: Cast) -> None:
    _token, secret = do_create_token(cast.bob)
    me = ApiClient(secret).get("/me").body
    assert (me["id"], me["email"], me["role"], me["workspace"]["id"]) == (
        cast.bob.pk,
        "bob@example.com",
        "agent",
        cast.a.pk,
    )


def test_token_needs_no_csrf_even_with_a_session(cast: Cast) -> None:
    # given a client that enforces CSRF and is also signed in as someone else
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.charlie.user)
    _token, secret = do_create_token(cast.alice)
    # when it posts with alice's token and no CSRF token
    answer = ApiClient(secret, client).post("/me/availability", {"availability": "busy"})
    # then the token decides: alice, no CSRF needed
    assert (answer.status, answer.body["id"]) == (200, cast.alice.pk)


def test_session_auth_reads_with_the_signed_in_user(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.alice.user)
    answer = ApiClient(None, client).get("/me")
    assert (answer.status, answer.body["id"]) == (200, cast.alice.pk)


def test_session_post_without_csrf_is_403_and_changes_nothing(cast: Cast) -> None:
    # given alice signed in, with a browser that enforces CSRF
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.alice.user)
    # when a POST arrives without the CSRF token (a forged cross-site request)
    answer = ApiClient(None, client).post("/me/availability", {"availability": "online"})
    # then it is refused and nothing changed
    assert answer.status == 403
    assert answer.body["detail"] == "CSRF check failed: send the X-CSRFToken header."
    assert Membership.objects.get(pk=cast.alice.pk).availability == "offline"


def test_session_post_with_csrf_works(cast: Cast) -> None:
    # given alice signed in, with the CSRF cookie the UI received
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.alice.user)
    client.cookies["csrftoken"] = CSRF_SECRET
    # when the UI posts with the matching header
    answer = ApiClient(None, client).call(
        "POST", "/me/availability", {"availability": "online"}, HTTP_X_CSRFTOKEN=CSRF_SECRET
    )
    # then it acts as alice
    assert (answer.status, answer.body["availability"]) == (200, "online")
    assert Membership.objects.get(pk=cast.alice.pk).availability == "online"


def test_session_picks_the_workspace_the_session_names(cast: Cast) -> None:
    # given alice is also an agent of workspace B
    in_b = do_add_agent(cast.b, AgentInput(email="alice@example.com"))
    client = Client()
    client.force_login(cast.alice.user)
    # when her session names no workspace, then workspace B
    first = ApiClient(None, client).get("/me").body["workspace"]["id"]
    session = client.session
    session["workspace_id"] = cast.b.pk
    session.save()
    chosen = ApiClient(None, client).get("/me").body
    # then the first membership acts, then the one in B
    assert first == cast.a.pk
    assert (chosen["id"], chosen["workspace"]["id"]) == (in_b.pk, cast.b.pk)


def test_session_naming_a_workspace_without_membership_is_401(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.bob.user)
    session = client.session
    session["workspace_id"] = cast.b.pk
    session.save()
    assert ApiClient(None, client).get("/me").status == 401


def test_signed_in_user_without_workspace_is_401(cast: Cast) -> None:
    Membership.objects.filter(pk=cast.bob.pk).update(is_active=False)
    client = Client()
    client.force_login(cast.bob.user)
    assert ApiClient(None, client).get("/me").status == 401


def test_openapi_and_docs_are_served(db: None) -> None:
    # when the schema and the docs are fetched without credentials
    schema = Client().get(f"{BASE}/openapi.json")
    docs = Client().get(f"{BASE}/docs")
    redirect = Client().get("/api/docs")
    # then the schema lists the endpoints with summaries and both auth schemes
    body = schema.json()
    operations = [op for path in body["paths"].values() for op in path.values()]
    assert schema.status_code == 200
    assert {path.removeprefix("/api/v1") for path in body["paths"]} >= ENDPOINTS
    assert all(op.get("summary") for op in operations)
    assert set(body["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    assert docs.status_code == 200
    assert (redirect.status_code, redirect["Location"]) == (302, "/api/v1/docs")
