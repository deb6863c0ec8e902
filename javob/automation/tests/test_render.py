from __future__ import annotations

import pytest

from conftest import Cast
from javob.accounts.actions import AgentInput, do_add_agent
from javob.automation.render import pick_body, render, unknown_variables, values_for
from javob.automation.tests.support import conversation

pytestmark = pytest.mark.django_db


def test_every_variable_is_filled_from_the_conversation_and_agent(cast: Cast) -> None:
    # given a conversation with Dilnoza Karimova and an agent with a display name
    talk = conversation(cast.inbox_a.pk)
    agent = do_add_agent(cast.a, AgentInput(email="aziz@example.com", display_name="Aziz Rahimov"))
    body = (
        "{{contact.first_name}} / {{contact.name}} / {{agent.name}} / {{ agent.first_name }} / "
        "#{{conversation.number}} / {{inbox.name}}"
    )
    # when it is rendered
    text = render(body, values_for(talk, agent))
    # then each variable has its value
    assert text == (f"Dilnoza / Dilnoza Karimova / Aziz Rahimov / Aziz / #{talk.number} / API A")


def test_missing_values_are_empty_or_take_the_written_fallback() -> None:
    values = {"contact.first_name": "", "agent.name": "Aziz"}

    assert render("Hi {{contact.first_name}},", values) == "Hi ,"
    assert render("Hi {{contact.first_name | there}},", values) == "Hi there,"
    assert render("{{agent.name|team}}", values) == "Aziz"


def test_unknown_variables_stay_visible_and_are_reported() -> None:
    body = "Dear {{contact.surname}}, {{agent.name}} {{ order.id }} {{contact.surname}}"

    assert (
        render(body, {"agent.name": "Aziz"})
        == "Dear {{contact.surname}}, Aziz {{ order.id }} {{contact.surname}}"
    )
    assert unknown_variables(body) == ["contact.surname", "order.id"]


def test_values_are_plain_text_not_templates() -> None:
    # a contact whose name looks like template code is shown as written, never evaluated
    assert render("{{contact.name}}", {"contact.name": "{% debug %} {{agent.name}}"}) == (
        "{% debug %} {{agent.name}}"
    )


def test_agent_without_a_name_is_greeted_with_nothing_rather_than_their_email(cast: Cast) -> None:
    assert values_for(None, cast.bob)["agent.name"] == ""


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "Здравствуйте"),
        ("uz-cyrl", "Салом"),
        ("uz-Cyrl", "Салом"),
        ("uz", "Salom"),
        ("uz-latn", "Salom"),  # base language
        ("de", "Hello"),  # the fallback
        ("", "Hello"),
    ],
)
def test_language_then_base_language_then_fallback(language: str, expected: str) -> None:
    bodies = {"en": "Hello", "ru": "Здравствуйте", "uz": "Salom", "uz-cyrl": "Салом"}

    assert pick_body(bodies, language, "en") == expected


def test_a_missing_fallback_takes_any_body() -> None:
    assert pick_body({"ru": "Здравствуйте"}, "de", "en") == "Здравствуйте"
    assert pick_body({}, "de", "en") == ""
