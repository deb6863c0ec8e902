"""Reads of canned responses, macros and rules, and the `access_*` helpers that authorize them.

Personal canned responses and macros are seen by their owner only; shared ones by every
agent of the workspace. Rules are an admin's business.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from javob.accounts.models import Membership
from javob.automation.models import CannedResponse, Macro, Rule, RuleRun, Visibility
from javob.automation.operations import render_canned_text
from javob.conversations.models import Conversation
from javob.core.errors import NotFound, PermissionDenied

SEARCH_LIMIT = 20


def _visible(member: Membership) -> Q:
    return Q(workspace_id=member.workspace_id) & (
        Q(visibility=Visibility.SHARED) | Q(visibility=Visibility.PERSONAL, owner=member)
    )


def visible_canned(member: Membership) -> QuerySet[CannedResponse]:
    return CannedResponse.objects.filter(_visible(member)).order_by("shortcut", "id")


def visible_macros(member: Membership) -> QuerySet[Macro]:
    return Macro.objects.filter(_visible(member)).order_by("name", "id")


def access_canned(member: Membership, canned_id: int, *, write: bool = False) -> CannedResponse:
    """The canned response if `member` may see it (and with `write`, change it)."""
    canned = visible_canned(member).filter(pk=canned_id).first()
    if canned is None:
        raise NotFound(_("No such canned response."), field="canned_id")
    if write:
        require_may_edit(member, canned.visibility)
    return canned


def access_macro(member: Membership, macro_id: int, *, write: bool = False) -> Macro:
    macro = visible_macros(member).filter(pk=macro_id).first()
    if macro is None:
        raise NotFound(_("No such macro."), field="macro_id")
    if write:
        require_may_edit(member, macro.visibility)
    return macro


def require_may_edit(member: Membership, visibility: str) -> None:
    """Anyone keeps personal items; only owners and admins change shared ones."""
    if visibility == Visibility.SHARED and not member.is_admin:
        raise PermissionDenied(_("Only owners and admins change shared items."))


def require_admin(member: Membership) -> None:
    if not member.is_admin:
        raise PermissionDenied(_("Only owners and admins manage automation rules."))


def canned_for(member: Membership, query: str, language: str = "") -> list[CannedResponse]:
    """The composer's `/` menu: shared and own canned responses whose shortcut starts with, or
    whose title contains, `query`; shortcuts that start with it first. `language` orders
    responses that have a body in that language before the others."""
    query = query.strip().lstrip("/")
    rows = visible_canned(member)
    if query:
        rows = rows.filter(Q(shortcut__istartswith=query) | Q(title__icontains=query))
    found = list(rows[: SEARCH_LIMIT * 2])
    prefix = query.lower()
    found.sort(
        key=lambda canned: (
            not canned.shortcut.lower().startswith(prefix),
            bool(language) and language not in canned.bodies,
            canned.shortcut,
        )
    )
    return found[:SEARCH_LIMIT]


def render_canned(canned: CannedResponse, conversation: Conversation, member: Membership) -> str:
    """The canned response's body in the conversation's language, variables filled in."""
    return render_canned_text(canned, conversation, member)


def rules(member: Membership) -> QuerySet[Rule]:
    require_admin(member)
    return Rule.objects.filter(workspace_id=member.workspace_id).order_by(
        "trigger", "position", "id"
    )


def access_rule(member: Membership, rule_id: int) -> Rule:
    require_admin(member)
    rule = Rule.objects.filter(workspace_id=member.workspace_id, pk=rule_id).first()
    if rule is None:
        raise NotFound(_("No such rule."), field="rule_id")
    return rule


def recent_runs(rule: Rule, limit: int = 50) -> list[RuleRun]:
    return list(rule.runs.select_related("conversation").order_by("-created_at", "-id")[:limit])
