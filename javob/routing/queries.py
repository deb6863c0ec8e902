"""Who may take a conversation, and which routing setting applies to it.

Filters, in order: active agents of the pool (the conversation's team, else every agent of
the workspace); online (when the setting says so); on shift (JAVOB_ROUTING_ON_SHIFT, a
dotted path to `on_shift(membership_ids, at) -> set[int]`; unset means everyone is on
shift); speaks the conversation's language (Membership.languages, compared by base language
so "uz" covers "uz-Cyrl"); takes the inbox's channel (ChannelSkills); below capacity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from javob.accounts.models import Availability, Membership
from javob.conversations.models import Conversation, Status
from javob.core.errors import NotFound, PermissionDenied
from javob.routing.models import ChannelSkills, RoutingSetting, Strategy

OnShift = Callable[[Iterable[int], dt.datetime], set[int]]
HOLDING = (Status.OPEN, Status.PENDING)  # what counts against an agent's capacity


def everyone_on_shift(membership_ids: Iterable[int], at: dt.datetime) -> set[int]:
    return set(membership_ids)


def on_shift_function() -> OnShift:
    path = getattr(settings, "JAVOB_ROUTING_ON_SHIFT", "")
    if not path:
        return everyone_on_shift
    function: OnShift = import_string(path)
    return function


def setting_for(conversation: Conversation) -> RoutingSetting | None:
    """The team's setting when the conversation has a team with one, else its inbox's."""
    if conversation.team_id is not None:
        team_setting = RoutingSetting.objects.filter(team_id=conversation.team_id).first()
        if team_setting is not None:
            return team_setting
    return RoutingSetting.objects.filter(inbox_id=conversation.inbox_id).first()


@dataclass(frozen=True, slots=True)
class Candidate:
    membership_id: int
    holding: int  # open and pending conversations assigned now


@dataclass(frozen=True, slots=True)
class Pool:
    candidates: list[Candidate]
    considered: int  # agents in the pool before the filters
    excluded: dict[str, int]  # filter -> agents it removed


def pool(
    setting: RoutingSetting,
    conversation: Conversation,
    at: dt.datetime,
    on_shift: OnShift | None = None,
    exclude: frozenset[int] = frozenset(),
) -> Pool:
    members = Membership.objects.filter(workspace_id=conversation.workspace_id, is_active=True)
    if conversation.team_id is not None:
        members = members.filter(teams=conversation.team_id)
    rows = list(members.order_by("id").values_list("pk", "availability", "languages"))
    excluded: dict[str, int] = {}
    ids = [pk for pk, _availability, _languages in rows if pk not in exclude]
    if setting.only_online:
        online = {
            pk for pk, availability, _languages in rows if availability == Availability.ONLINE
        }
        ids = _keep(ids, online, "offline", excluded)
    ids = _keep(ids, (on_shift or on_shift_function())(ids, at), "off_shift", excluded)
    if setting.match_language and conversation.language:
        speakers = {pk for pk, _a, languages in rows if speaks(languages, conversation.language)}
        ids = _keep(ids, speakers, "language", excluded)
    ids = _keep(ids, _takes_channel(ids, conversation.inbox.kind), "channel", excluded)
    holding = _holding(ids)
    candidates = [Candidate(pk, holding.get(pk, 0)) for pk in ids]
    if setting.capacity:
        below = [c for c in candidates if c.holding < setting.capacity]
        if len(below) != len(candidates):
            excluded["capacity"] = len(candidates) - len(below)
        candidates = below
    return Pool(candidates, len(rows), excluded)


def _keep(ids: list[int], allowed: set[int], reason: str, excluded: dict[str, int]) -> list[int]:
    kept = [pk for pk in ids if pk in allowed]
    if len(kept) != len(ids):
        excluded[reason] = len(ids) - len(kept)
    return kept


def speaks(languages: list[str], language: str) -> bool:
    base = language.lower().split("-", 1)[0]
    return any(spoken.lower().split("-", 1)[0] == base for spoken in languages or [])


def _takes_channel(ids: list[int], channel: str) -> set[int]:
    limited = dict(
        ChannelSkills.objects.filter(membership_id__in=ids).values_list("membership_id", "channels")
    )
    return {pk for pk in ids if not limited.get(pk) or channel in limited[pk]}


def _holding(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = (
        Conversation.objects.filter(assignee_id__in=ids, status__in=HOLDING)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    return {row["assignee_id"]: row["n"] for row in rows}


def settings_list(member: Membership) -> list[RoutingSetting]:
    require_admin(member)
    return list(
        RoutingSetting.objects.filter(workspace_id=member.workspace_id)
        .select_related("inbox", "team", "last_assigned__user")
        .order_by("inbox__name", "team__name", "id")
    )


def access_setting(member: Membership, setting_id: int) -> RoutingSetting:
    require_admin(member)
    setting = RoutingSetting.objects.filter(workspace_id=member.workspace_id, pk=setting_id).first()
    if setting is None:
        raise NotFound(_("No such routing setting."), field="setting_id")
    return setting


def require_admin(member: Membership) -> None:
    if not member.is_admin:
        raise PermissionDenied(_("Only owners and admins manage routing."))


REASONS = {
    "offline": gettext_lazy("not online"),
    "off_shift": gettext_lazy("off shift"),
    "language": gettext_lazy("does not speak the language"),
    "channel": gettext_lazy("does not take this channel"),
    "capacity": gettext_lazy("at capacity"),
}


STRATEGY_LABELS = dict(Strategy.choices)


def explain(data: dict[str, object]) -> str:
    """A sentence for the timeline from a "routed" event's data."""
    if data.get("reason") == "agent_offline":
        return _("Unassigned: the agent went offline.")
    excluded = data.get("excluded")
    if not isinstance(excluded, dict):
        excluded = {}
    parts = [
        _("%(count)s %(reason)s") % {"count": count, "reason": REASONS.get(key, key)}
        for key, count in excluded.items()
    ]
    text = _("Routed by %(strategy)s: %(eligible)s of %(considered)s agents eligible.") % {
        "strategy": STRATEGY_LABELS.get(str(data.get("strategy")), data.get("strategy")),
        "eligible": data.get("eligible"),
        "considered": data.get("considered"),
    }
    if parts:
        text += " " + _("Left out: %(parts)s.") % {"parts": "; ".join(parts)}
    return text
