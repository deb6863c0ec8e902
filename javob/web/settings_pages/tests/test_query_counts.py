"""The list pages read a fixed number of queries, however many rows they show."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from conftest import Cast
from javob.accounts.actions import AgentInput, do_add_agent, do_create_team, do_create_token
from javob.connectors.actions import do_add_inbox, store_payload
from javob.conversations.actions import check_set_labels, receive_message
from javob.conversations.tests.factories import inbound

# Every page: the session, the user, the membership (with workspace), then its own reads.
PAGES = {
    "/settings/agents/": 5,  # agents with users, their teams
    "/settings/teams/": 6,  # teams with counts, their members, the create form's agents
    "/settings/inboxes/": 4,  # inboxes with team and health in one query
    "/settings/labels/": 4,  # labels with counts
    "/settings/tokens/": 4,  # tokens with their agents
}


def more_of_everything(cast: Cast, start: int, n: int) -> None:
    for i in range(start, start + n):
        member = do_add_agent(cast.a, AgentInput(email=f"agent{i}@example.com", languages=("uz",)))
        do_create_team(cast.a, f"Team {i}", [member.pk, cast.bob.pk])
        do_create_token(member, f"token {i}")
        inbox = do_add_inbox(cast.a, "api", f"Inbox {i}", {}, [])
        store_payload(inbox, f"p-{i}", b"{}", {})
        conversation = receive_message(inbound(inbox.pk)).message.conversation_id
        check_set_labels(cast.alice, conversation, [f"label {i}"])


@pytest.mark.parametrize(("url", "queries"), PAGES.items())
def test_list_pages_read_a_fixed_number_of_queries(
    cast: Cast,
    alice: Client,
    django_assert_num_queries: Callable[..., Any],
    url: str,
    queries: int,
) -> None:
    more_of_everything(cast, 0, 1)
    with django_assert_num_queries(queries):
        assert alice.get(url).status_code == 200

    more_of_everything(cast, 1, 5)
    with django_assert_num_queries(queries):
        assert alice.get(url).status_code == 200
