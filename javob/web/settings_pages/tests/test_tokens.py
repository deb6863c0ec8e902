import datetime as dt
import re

import time_machine
from django.test import Client

from conftest import Cast
from javob.accounts.actions import do_create_token
from javob.accounts.models import ApiToken
from javob.accounts.queries import membership_for_token
from javob.web.settings_pages.tests.support import table_rows


@time_machine.travel(dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC), tick=False)
def test_a_new_token_is_shown_once_then_only_its_prefix(cast: Cast, alice: Client) -> None:
    response = alice.post("/settings/tokens/", {"name": "CRM sync"})

    assert response.status_code == 200
    html = response.content.decode()
    shown = re.search(
        r'id="new-token" class="settings-secret-value" type="text" readonly value="([^"]+)"', html
    )
    assert shown is not None
    secret = shown.group(1)
    token = ApiToken.objects.get(workspace=cast.a)
    assert (token.name, token.membership_id, token.prefix) == (
        "CRM sync",
        cast.alice.pk,
        secret[:10],
    )
    assert membership_for_token(secret) == cast.alice  # which marks it used
    assert response["Cache-Control"].startswith("max-age=0")

    later = alice.get("/settings/tokens/")
    assert secret not in later.content.decode()
    assert table_rows(later) == [
        [
            "CRM sync",
            f"{secret[:10]}…",
            "alice@example.com",
            "11/23/2026 9:30 a.m.",
            "11/23/2026 9:30 a.m.",
            "",
        ]
    ]


def test_revoking_a_token_stops_it(cast: Cast, alice: Client) -> None:
    token, secret = do_create_token(cast.bob, "bob's script")

    response = alice.post(f"/settings/tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    assert membership_for_token(secret) is None
    assert table_rows(alice.get("/settings/tokens/")) == [["No API tokens."]]


def test_a_token_needs_a_name(cast: Cast, alice: Client) -> None:
    response = alice.post("/settings/tokens/", {"name": "  "})

    assert response.context["form"].errors == {"name": ["This field is required."]}
    assert ApiToken.objects.count() == 0
