"""Wrong input answers 4xx with a JSON error naming the field, changes nothing, and is never
a 500: a table of the known kinds of bad input, then a fuzz run over every endpoint.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Cast
from javob.connectors.actions import do_add_inbox
from tests.api.conftest import Answer, ApiClient, World, fill, ids, snapshot

pytestmark = pytest.mark.django_db

HUGE = 2**70
PAST = "2000-01-01T00:00:00+00:00"
NAIVE = "2099-01-01T09:00:00"


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def where(answer: Answer) -> str | None:
    """The field an error names: `field` of an action error, the location of a 422."""
    if answer.status == 422:
        return ".".join(str(part) for part in answer.body["detail"][0]["loc"])
    field: str | None = answer.body["field"]
    return field


def inbound(**changes: Any) -> dict[str, Any]:
    return {"id": "bad-1", "sender": {"id": "crm-1"}, "text": "Salom", **changes}


C = "/conversations/{conv}"
# (method, path, body or query, status, field)
BAD_INPUT = [
    ("POST", C + "/reply", {}, 400, "text"),
    ("POST", C + "/reply", {"text": "   "}, 400, "text"),
    ("POST", C + "/reply", {"text": 5}, 422, "body.data.text"),
    ("POST", C + "/reply", {"text": "x" * 100_001}, 422, "body.data.text"),
    ("POST", C + "/reply", {"text": "a\x00b"}, 422, "body.data.text"),
    ("POST", C + "/reply", "{not json", 400, "body"),
    ("POST", C + "/notes", "[1]", 422, "body.data.text"),
    ("POST", C + "/notes", {}, 422, "body.data.text"),
    ("POST", C + "/notes", {"text": ""}, 400, "text"),
    ("POST", C + "/status", {"status": "bogus"}, 400, "status"),
    ("POST", C + "/status", {"status": "snoozed"}, 400, "status"),
    ("POST", C + "/status", {}, 422, "body.data.status"),
    ("POST", C + "/snooze", {"until": PAST}, 400, "until"),
    ("POST", C + "/snooze", {"until": NAIVE}, 400, "until"),
    ("POST", C + "/snooze", {"until": "tomorrow"}, 422, "body.data.until"),
    ("POST", C + "/priority", {"priority": "critical"}, 400, "priority"),
    ("PUT", C + "/labels", {"names": ["x" * 65]}, 400, "names"),
    ("PUT", C + "/labels", {"names": "vip"}, 422, "body.data.names"),
    ("POST", C + "/assign", {"assignee_id": "abc"}, 422, "body.data.assignee_id"),
    ("POST", C + "/assign", {"assignee_id": 0}, 422, "body.data.assignee_id"),
    ("POST", C + "/assign", {"assignee_id": HUGE}, 422, "body.data.assignee_id"),
    ("POST", C + "/assign", {"assignee_id": 999_999}, 404, "assignee_id"),
    ("POST", C + "/assign", {"team_id": 999_999}, 404, "team_id"),
    ("POST", C + "/merge", {"into": "{conv}"}, 400, "into"),
    ("POST", C + "/merge", {"into": 999_999}, 404, "into"),
    ("POST", C + "/merge", {}, 422, "body.data.into"),
    ("POST", "/messages/{first_msg}/split", None, 400, "message_id"),
    ("POST", "/messages/{first_msg}/retry", None, 400, "message_id"),
    ("GET", "/conversations", {"status": "bogus"}, 400, "status"),
    ("GET", "/conversations", {"priority": "bogus"}, 400, "priority"),
    ("GET", "/conversations", {"assignee": "bob"}, 400, "assignee"),
    ("GET", "/conversations", {"assignee": "me", "assignee_id": 1}, 400, "assignee"),
    ("GET", "/conversations", {"cursor": "!!!"}, 400, "cursor"),
    ("GET", "/conversations", {"cursor": cursor("garbage")}, 400, "cursor"),
    ("GET", "/conversations", {"cursor": cursor("2026-01-01T00:00:00|5")}, 400, "cursor"),
    (
        "GET",
        "/conversations",
        {"cursor": cursor(f"2026-01-01T00:00:00+00:00|{HUGE}")},
        400,
        "cursor",
    ),
    ("GET", "/conversations", {"limit": 0}, 422, "query.limit"),
    ("GET", "/conversations", {"limit": 1000}, 422, "query.limit"),
    ("GET", "/conversations", {"limit": "ten"}, 422, "query.limit"),
    ("GET", "/conversations", {"inbox_id": "abc"}, 422, "query.inbox_id"),
    ("GET", "/conversations", {"team_id": HUGE}, 422, "query.team_id"),
    ("GET", "/conversations", {"label": "x" * 65}, 422, "query.label"),
    ("GET", "/conversations", {"q": "a\x00b"}, 422, "query.q"),
    ("GET", "/conversations/abc", None, 422, "path.conversation_id"),
    ("GET", "/conversations/0", None, 422, "path.conversation_id"),
    ("GET", f"/conversations/{HUGE}", None, 422, "path.conversation_id"),
    ("GET", "/conversations/999999", None, 404, "conversation_id"),
    ("GET", "/contacts", {"cursor": "abc"}, 400, "cursor"),
    ("GET", "/contacts", {"cursor": "-5"}, 400, "cursor"),
    ("GET", "/contacts", {"cursor": str(HUGE)}, 400, "cursor"),
    ("GET", "/contacts", {"limit": 101}, 422, "query.limit"),
    ("POST", "/contacts", {"identities": [{"kind": "email", "value": "nope"}]}, 400, "email"),
    ("POST", "/contacts", {"identities": [{"kind": "fax", "value": "123"}]}, 400, "kind"),
    ("POST", "/contacts", {"identities": [{"kind": "phone", "value": "12"}]}, 400, "phone"),
    ("POST", "/contacts", {"identities": [{"kind": "email"}]}, 422, "body.data.identities.0.value"),
    ("POST", "/contacts", {"country": "1A"}, 400, "country"),
    ("POST", "/contacts", {"country": "UZB"}, 422, "body.data.country"),
    ("POST", "/contacts", {"time_zone": "Mars/Olympus"}, 400, "time_zone"),
    ("POST", "/contacts", {"locale": "english!"}, 400, "locale"),
    (
        "POST",
        "/contacts",
        {"custom_attributes": {"k": "a\x00"}},
        422,
        "body.data.custom_attributes",
    ),
    (
        "PATCH",
        "/contacts/{contact}",
        {"custom_attributes": "x"},
        422,
        "body.data.custom_attributes",
    ),
    ("POST", "/contacts/{contact}/merge", {"into": "{contact}"}, 400, "into"),
    ("POST", "/contacts/{contact}/merge", {"into": 999_999}, 404, "into"),
    ("POST", "/inboxes/{inbox}/messages", {"sender": {"id": "x"}}, 422, "body.data.id"),
    ("POST", "/inboxes/{inbox}/messages", inbound(id=""), 422, "body.data.id"),
    ("POST", "/inboxes/{inbox}/messages", inbound(sender={}), 422, "body.data.sender.id"),
    (
        "POST",
        "/inboxes/{inbox}/messages",
        inbound(sender={"id": "a", "email": "nope"}),
        400,
        "email",
    ),
    ("POST", "/inboxes/{inbox}/messages", inbound(sender={"id": "a", "phone": "1"}), 400, "phone"),
    ("POST", "/inboxes/{inbox}/messages", inbound(text="a\x00"), 422, "body.data.text"),
    (
        "POST",
        "/inboxes/{inbox}/messages",
        inbound(sender={"id": "\x00"}),
        422,
        "body.data.sender.id",
    ),
    ("POST", "/inboxes/999999/messages", inbound(), 404, "inbox_id"),
    ("POST", "/inboxes/{telegram}/messages", inbound(), 400, "inbox_id"),
    (
        "POST",
        "/inboxes/{inbox}/statuses",
        {"message_id": "x", "status": "sent"},
        422,
        "body.data.status",
    ),
    ("POST", "/agents", {"email": "new@example.com", "role": "king"}, 400, "role"),
    ("POST", "/agents", {"email": "new@example.com", "time_zone": "Nowhere"}, 400, "time_zone"),
    ("POST", "/agents", {"email": "new@example.com", "languages": ["English"]}, 400, "languages"),
    ("POST", "/agents", {"email": "nobody"}, 400, "email"),
    ("POST", "/agents", {"email": "bob@example.com"}, 400, "email"),
    ("POST", "/teams", {"name": " "}, 400, "name"),
    ("POST", "/teams", {"name": "Sales"}, 400, "name"),
    ("POST", "/teams", {"name": "New", "member_ids": [999_999]}, 400, "member_ids"),
    ("POST", "/inboxes", {"kind": "pigeon", "name": "Coop"}, 400, "kind"),
    ("POST", "/inboxes", {"kind": "api", "name": " "}, 400, "name"),
    ("POST", "/inboxes", {"kind": "api", "name": "X", "languages": ["xx-yy-zz"]}, 400, "languages"),
    (
        "POST",
        "/inboxes",
        {"kind": "api", "name": "X", "options": {"a": 1}},
        422,
        "body.data.options.a",
    ),
    ("POST", "/me/availability", {"availability": "sleepy"}, 400, "availability"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    BAD_INPUT,
    ids=[f"{n:02} {case[0]} {case[1]} {case[4]}" for n, case in enumerate(BAD_INPUT)],
)
def test_bad_input_is_refused_by_name(
    cast: Cast,
    world: World,
    alice: ApiClient,
    method: str,
    path: str,
    body: Any,
    status: int,
    field: str,
) -> None:
    # given alice, admin of A, and the conversations of A
    telegram = do_add_inbox(cast.a, "telegram", "Telegram", {}, [], connect=False)
    values = {**ids(cast, world), "telegram": telegram.pk}
    before = snapshot()
    # when she sends this input
    answer = alice.call(method, path.format(**values), fill(body, values))
    # then it is refused by the field's name, and nothing changed
    assert (answer.status, where(answer)) == (status, field)
    assert snapshot() == before


# The fuzz run: each endpoint with bodies built from its own field names and wild values.
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "\x00", "2099-01-01T00:00:00+05:00", PAST, NAIVE, "me", "none", "open"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
FIELDS = {
    ("POST", C + "/reply"): ["text", "html"],
    ("POST", C + "/notes"): ["text"],
    ("POST", C + "/assign"): ["assignee_id", "team_id"],
    ("POST", C + "/status"): ["status"],
    ("POST", C + "/snooze"): ["until"],
    ("POST", C + "/priority"): ["priority"],
    ("PUT", C + "/labels"): ["names"],
    ("POST", C + "/merge"): ["into"],
    ("POST", "/contacts"): [
        "name",
        "locale",
        "time_zone",
        "country",
        "custom_attributes",
        "identities",
    ],
    ("PATCH", "/contacts/{contact}"): ["name", "country", "custom_attributes", "identities"],
    ("POST", "/contacts/{contact}/merge"): ["into"],
    ("POST", "/inboxes/{inbox}/messages"): [
        "id",
        "sender",
        "text",
        "subject",
        "thread",
        "in_reply_to",
    ],
    ("POST", "/inboxes/{inbox}/statuses"): ["message_id", "status", "reason"],
    ("POST", "/agents"): ["email", "role", "display_name", "languages", "time_zone"],
    ("POST", "/teams"): ["name", "member_ids"],
    ("POST", "/inboxes"): ["kind", "name", "options", "languages"],
    ("POST", "/me/availability"): ["availability"],
    ("GET", "/conversations"): [
        "status",
        "inbox_id",
        "assignee_id",
        "assignee",
        "team_id",
        "label",
        "language",
        "priority",
        "q",
        "cursor",
        "limit",
    ],
    ("GET", "/contacts"): ["q", "cursor", "limit"],
}
ENDPOINTS = sorted(FIELDS)


def plausible(name: str, known_ids: list[int]) -> st.SearchStrategy[Any]:
    """Values that get past the schema often enough to reach the actions."""
    some_id = st.sampled_from(known_ids) | st.integers(min_value=1, max_value=10**6)
    words = st.text(max_size=70)
    by_name: dict[str, st.SearchStrategy[Any]] = {
        "into": some_id,
        "assignee_id": some_id | st.none(),
        "team_id": some_id | st.none(),
        "inbox_id": some_id,
        "member_ids": st.lists(some_id, max_size=3),
        "status": st.sampled_from(["open", "pending", "snoozed", "resolved", "closed", "read"]),
        "priority": st.sampled_from(["none", "low", "urgent", "URGENT"]),
        "until": st.datetimes(timezones=st.timezones() | st.none()).map(lambda d: d.isoformat()),
        "names": st.lists(words, max_size=4),
        "languages": st.lists(st.sampled_from(["uz", "ru", "uz-Cyrl", "en-US", "xx-"]), max_size=3),
        "identities": st.lists(
            st.fixed_dictionaries(
                {"kind": st.sampled_from(["email", "phone", "x", "web", "fax"]), "value": words}
            ),
            max_size=2,
        ),
        "sender": st.fixed_dictionaries(
            {"id": words}, optional={"email": words, "phone": words, "name": words}
        ),
        "custom_attributes": st.dictionaries(st.text(max_size=8), SCALARS, max_size=3),
        "options": st.dictionaries(st.text(max_size=8), words, max_size=2),
        "limit": st.integers(min_value=-5, max_value=200),
        "assignee": st.sampled_from(["me", "none", "someone"]),
    }
    return by_name.get(name, words) | VALUES


def draw_request(data: st.DataObject, known_ids: list[int]) -> tuple[str, str, dict[str, Any]]:
    method, path = data.draw(st.sampled_from(ENDPOINTS))
    names = FIELDS[(method, path)]
    chosen = data.draw(st.sets(st.sampled_from(names), max_size=len(names)))
    body = {name: data.draw(plausible(name, known_ids)) for name in sorted(chosen)}
    if method == "GET":  # a query string carries text only
        body = {key: str(value) for key, value in body.items()}
    return method, path, body


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzzed_input_never_answers_500(
    cast: Cast, world: World, alice: ApiClient, data: st.DataObject
) -> None:
    values = ids(cast, world)
    method, path, body = draw_request(data, sorted(values.values()))
    answer = alice.call(method, path.format(**values), body)
    assert answer.status < 500, (method, path, body, answer.body)
    assert isinstance(answer.body, dict | list)
