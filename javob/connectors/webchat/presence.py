"""The team's online/away state, pushed to open widgets the moment an agent's availability
changes: one channel-layer group per web-chat inbox, one group send per inbox concerned.

Each widget socket then decides alone what it shows: the team's state before its
conversation is assigned, else its assignee's (it ignores changes of other agents).
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from javob.accounts.models import Availability, Membership
from javob.connectors.webchat.queries import (
    inboxes_answered_by,
    team_cache_key,
    team_presence,
)
from javob.realtime.publish import send_to_groups


def inbox_group(inbox_id: int) -> str:
    return f"webchat.inbox.{inbox_id}"


def on_availability_changed(membership_id: int) -> None:
    """Call when an agent's availability changed (in the transaction that changed it): the
    widgets of the inboxes they answer for get the new state after commit."""
    transaction.on_commit(lambda: announce_team_presence(membership_id))


def announce_team_presence(membership_id: int) -> None:
    member = Membership.objects.filter(pk=membership_id).values("availability", "is_active").first()
    if member is None:
        return
    online = member["is_active"] and member["availability"] == Availability.ONLINE
    for team in inboxes_answered_by(membership_id):
        cache.delete(team_cache_key(team.inbox_id))  # the cached state may be this change's
        message = {
            "type": "team.availability",
            "team": team_presence(team, None).state,
            "agent": membership_id,
            "agent_state": "online" if online else "away",
        }
        send_to_groups([inbox_group(team.inbox_id)], message)
