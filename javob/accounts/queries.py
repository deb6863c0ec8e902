"""Reads of workspaces and agents, and the `access_*` helpers that authorize them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.accounts.actions import TOKEN_PREFIX, token_digest
from javob.accounts.models import ApiToken, Membership, Team
from javob.core.errors import NotFound


def membership_for_token(secret: str) -> Membership | None:
    """The active agent a bearer token belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("membership__workspace", "membership__user")
        .filter(digest=token_digest(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.membership.is_active or not token.membership.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.membership


def agents(workspace_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(workspace_id=workspace_id, is_active=True)
        .select_related("user")
        .order_by("id")
    )


def access_agent(actor: Membership, membership_id: int, field: str = "assignee_id") -> Membership:
    agent = agents(actor.workspace_id).filter(pk=membership_id).first()
    if agent is None:
        raise NotFound(_("No such agent in this workspace."), field=field)
    return agent


def teams(workspace_id: int) -> QuerySet[Team]:
    return Team.objects.filter(workspace_id=workspace_id).order_by("name", "id")


def access_team(actor: Membership, team_id: int, field: str = "team_id") -> Team:
    team = teams(actor.workspace_id).filter(pk=team_id).first()
    if team is None:
        raise NotFound(_("No such team in this workspace."), field=field)
    return team


def team_ids(member: Membership) -> list[int]:
    return list(member.teams.values_list("id", flat=True))


def all_agents(workspace_id: int) -> QuerySet[Membership]:
    """Every agent of the workspace, deactivated ones too, with their teams: the admin list."""
    return (
        Membership.objects.filter(workspace_id=workspace_id)
        .select_related("user")
        .prefetch_related("teams")
        .order_by("-is_active", "id")
    )


def live_tokens(workspace_id: int) -> QuerySet[ApiToken]:
    """The workspace's API tokens that are not revoked, newest first, with their owners."""
    return (
        ApiToken.objects.filter(workspace_id=workspace_id, revoked_at__isnull=True)
        .select_related("membership__user")
        .order_by("-created_at", "-id")
    )
