from __future__ import annotations

import pytest
from django.test import Client

from conftest import Cast
from javob.accounts.models import Membership
from javob.automation.actions import (
    CannedInput,
    RuleInput,
    check_save_canned,
    check_save_macro,
    check_save_rule,
)
from javob.automation.models import CannedResponse, Macro, Rule
from javob.automation.tests.support import conversation
from javob.conversations.actions import check_assign

pytestmark = pytest.mark.django_db


def client_for(member: Membership) -> Client:
    client = Client()
    client.force_login(member.user)
    return client


def setup(cast: Cast) -> tuple[CannedResponse, Macro, Rule]:
    canned = check_save_canned(
        cast.alice, CannedInput("thanks", "Thanks", {"en": "Thanks, {{contact.first_name}}!"})
    )
    macro = check_save_macro(cast.alice, "Urgent", "priority urgent")
    rule = check_save_rule(
        cast.alice,
        RuleInput(
            "Refunds", "message_received", "labels_add refund", "message.text contains refund"
        ),
    )
    return canned, macro, rule


def pages(canned: CannedResponse, macro: Macro, rule: Rule) -> list[str]:
    return [
        "/settings/automation/",
        "/settings/automation/canned/new",
        f"/settings/automation/canned/{canned.pk}/",
        "/settings/automation/macros/new",
        f"/settings/automation/macros/{macro.pk}/",
        "/settings/automation/rules/",
        "/settings/automation/rules/new",
        f"/settings/automation/rules/{rule.pk}/",
    ]


def test_alice_sees_every_page(cast: Cast) -> None:
    client = client_for(cast.alice)
    for url in pages(*setup(cast)):
        response = client.get(url)
        assert (url, response.status_code) == (url, 200)
        assert b'<main id="main">' in response.content


def test_bob_gets_403_and_changes_nothing(cast: Cast) -> None:
    canned, macro, rule = setup(cast)
    client = client_for(cast.bob)
    for url in pages(canned, macro, rule):
        assert (url, client.get(url).status_code) == (url, 403)
    assert client.post(f"/settings/automation/rules/{rule.pk}/delete").status_code == 403
    assert (
        client.post(f"/settings/automation/rules/{rule.pk}/enabled", {"enabled": "0"}).status_code
        == 403
    )
    assert client.post(f"/settings/automation/canned/{canned.pk}/delete").status_code == 403
    rule.refresh_from_db()
    assert (rule.enabled, Rule.objects.count(), CannedResponse.objects.count()) == (True, 1, 1)


def test_charlie_gets_404_for_workspace_a_and_changes_nothing(cast: Cast) -> None:
    canned, macro, rule = setup(cast)
    client = client_for(cast.charlie)
    own = [
        f"/settings/automation/canned/{canned.pk}/",
        f"/settings/automation/macros/{macro.pk}/",
        f"/settings/automation/rules/{rule.pk}/",
    ]
    for url in own:
        assert (url, client.get(url).status_code) == (url, 404)
    assert client.post(f"/settings/automation/rules/{rule.pk}/delete").status_code == 404
    assert client.post(f"/settings/automation/macros/{macro.pk}/delete").status_code == 404
    assert (
        client.post(
            f"/settings/automation/rules/{rule.pk}/",
            {
                "name": "Mine",
                "trigger": "message_received",
                "match": "all",
                "actions": "priority low",
            },
        ).status_code
        == 404
    )
    # charlie's own pages show nothing of workspace A
    listing = client.get("/settings/automation/").content.decode()
    assert "thanks" not in listing
    assert "Urgent" not in listing
    assert "Refunds" not in client.get("/settings/automation/rules/").content.decode()
    assert (Rule.objects.count(), Rule.objects.get().name, Macro.objects.count()) == (
        1,
        "Refunds",
        1,
    )


def test_create_a_canned_response_from_the_form_with_preview(cast: Cast) -> None:
    client = client_for(cast.alice)
    form = {
        "shortcut": "hello",
        "title": "Hello",
        "visibility": "shared",
        "default_language": "en",
        "body_en": "Hello {{contact.first_name}}, I am {{agent.name | your agent}}.",
        "body_ru": "Здравствуйте, {{contact.first_name}}!",
    }
    preview = client.post("/settings/automation/canned/new", {**form, "preview": "1"})
    assert preview.status_code == 200
    assert "Hello Dilnoza, I am Aziz Rahimov." in preview.content.decode()
    assert "Здравствуйте, Dilnoza!" in preview.content.decode()
    assert CannedResponse.objects.count() == 0

    saved = client.post("/settings/automation/canned/new", form)

    assert (saved.status_code, saved["Location"]) == (302, "/settings/automation/")
    canned = CannedResponse.objects.get()
    assert canned.bodies == {"en": form["body_en"], "ru": form["body_ru"]}


def test_a_refused_form_shows_the_reason_next_to_the_field(cast: Cast) -> None:
    client = client_for(cast.alice)
    response = client.post(
        "/settings/automation/rules/new",
        {
            "name": "Bad",
            "trigger": "message_received",
            "match": "all",
            "actions": "priority p1",
            "enabled": "on",
        },
    )
    assert response.status_code == 200
    assert "Line 1: use one of: none, low, medium, high, urgent" in response.content.decode()
    assert Rule.objects.count() == 0


def test_rules_are_ordered_toggled_and_logged_from_the_pages(cast: Cast) -> None:
    _canned, _macro, first = setup(cast)
    second = check_save_rule(cast.alice, RuleInput("Second", "message_received", "priority low"))
    client = client_for(cast.alice)

    client.post(f"/settings/automation/rules/{second.pk}/move", {"to": "up"})
    client.post(f"/settings/automation/rules/{first.pk}/enabled", {"enabled": "0"})

    ordered = list(Rule.objects.order_by("position").values_list("name", "enabled"))
    assert ordered == [("Second", True), ("Refunds", False)]
    page = client.get(f"/settings/automation/rules/{first.pk}/").content.decode()
    assert "This rule has not run yet." in page
    assert "message.text contains refund" in page


def test_composer_search_renders_for_the_conversation(cast: Cast) -> None:
    canned, _macro, _rule = setup(cast)
    talk = conversation(cast.inbox_a.pk)
    response = client_for(cast.bob).get(
        f"/settings/automation/canned/search?q=th&conversation={talk.pk}"
    )
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"id": canned.pk, "shortcut": "thanks", "title": "Thanks", "body": "Thanks, Dilnoza!"}
        ]
    }


def test_composer_search_hides_conversations_the_agent_cannot_see(cast: Cast) -> None:
    setup(cast)
    talk = conversation(cast.inbox_a.pk)
    check_assign(cast.alice, talk.pk, team_id=cast.support.pk)
    bob = client_for(cast.bob)
    assert (
        bob.get(f"/settings/automation/canned/search?q=&conversation={talk.pk}").status_code == 404
    )
    charlie = client_for(cast.charlie)
    assert charlie.get("/settings/automation/canned/search?q=th").json() == {"results": []}


def test_use_counts_and_macro_apply_from_the_conversation(cast: Cast) -> None:
    canned, macro, _rule = setup(cast)
    talk = conversation(cast.inbox_a.pk)
    bob = client_for(cast.bob)

    used = bob.post(f"/settings/automation/canned/{canned.pk}/use", {"conversation": talk.pk})
    applied = bob.post(f"/settings/automation/macros/{macro.pk}/apply", {"conversation": talk.pk})

    assert used.json() == {"body": "Thanks, Dilnoza!"}
    assert applied.json() == {"done": ["priority urgent"]}
    canned.refresh_from_db()
    talk.refresh_from_db()
    assert (canned.usage_count, talk.priority) == (1, "urgent")
    charlie = client_for(cast.charlie)
    assert (
        charlie.post(
            f"/settings/automation/macros/{macro.pk}/apply", {"conversation": talk.pk}
        ).status_code
        == 404
    )


def test_the_rule_page_shows_its_run_log_in_the_viewers_time(cast: Cast) -> None:
    import datetime as dt

    import time_machine

    from javob.automation.engine import on_event

    _canned, _macro, rule = setup(cast)
    talk = conversation(cast.inbox_a.pk, "I want a refund")
    type(cast.alice).objects.filter(pk=cast.alice.pk).update(time_zone="Asia/Tashkent")
    with time_machine.travel(dt.datetime(2026, 11, 23, 20, 30, tzinfo=dt.UTC), tick=False):
        on_event("message_received", talk.pk, message_id=talk.messages.get().pk)

    page = client_for(cast.alice).get(f"/settings/automation/rules/{rule.pk}/").content.decode()

    row = page[page.index("<tbody>", page.index("Run log")) :]
    assert "2026-11-24 01:30:00" in row
    assert f"#{talk.number}" in row
    assert "labels_add refund" in row
