"""Every write to workspaces, agents, teams and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from javob.accounts.models import ApiToken, Availability, Membership, Role, Team, User, Workspace
from javob.core.errors import ActionError, PermissionDenied
from javob.core.validation import check_language_codes, check_time_zone

TOKEN_PREFIX = "jvb_"  # noqa: S105 - a prefix, not a secret


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def do_create_workspace(
    name: str,
    owner_email: str,
    *,
    password: str | None = None,
    time_zone: str = "UTC",
    default_locale: str = "en",
) -> tuple[Workspace, Membership]:
    """Create a workspace and its owner (a new or an existing user)."""
    name = name.strip()
    if not name:
        raise ActionError(_("A workspace needs a name."), field="name")
    check_time_zone(time_zone)
    with transaction.atomic():
        workspace = Workspace.objects.create(
            name=name, time_zone=time_zone, default_locale=default_locale
        )
        user = _get_or_create_user(owner_email, password, may_reset=True)
        owner = Membership.objects.create(
            workspace=workspace, user=user, role=Role.OWNER, time_zone=time_zone
        )
    return workspace, owner


def _get_or_create_user(email: str, password: str | None, *, may_reset: bool = False) -> User:
    """The user with this email, created with `password` if new.

    An existing user's password changes only when `may_reset` says the caller is the
    server's operator (the CLI); an admin adding an agent must never reset the password of
    someone who already has an account, perhaps in another workspace.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    if "@" not in email:
        raise ActionError(_("Enter a valid email address."), field="email")
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password)
    elif password and may_reset:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


@dataclass(frozen=True, slots=True)
class AgentInput:
    email: str
    role: str = Role.AGENT
    display_name: str = ""
    languages: tuple[str, ...] = ()
    time_zone: str = "UTC"
    password: str | None = None


def check_add_agent(actor: Membership, data: AgentInput) -> Membership:
    if not actor.is_admin:
        raise PermissionDenied(_("Only owners and admins can add agents."))
    if data.role == Role.OWNER and actor.role != Role.OWNER:
        raise PermissionDenied(_("Only an owner can add another owner."), field="role")
    return do_add_agent(actor.workspace, data)


def do_add_agent(workspace: Workspace, data: AgentInput) -> Membership:
    if data.role not in Role.values:
        raise ActionError(_("Unknown role."), field="role")
    check_time_zone(data.time_zone)
    check_language_codes(data.languages)
    with transaction.atomic():
        user = _get_or_create_user(data.email, data.password)
        if Membership.objects.filter(workspace=workspace, user=user).exists():
            raise ActionError(_("This person is already an agent here."), field="email")
        return Membership.objects.create(
            workspace=workspace,
            user=user,
            role=data.role,
            display_name=data.display_name,
            languages=list(data.languages),
            time_zone=data.time_zone,
        )


def check_set_availability(actor: Membership, availability: str) -> Membership:
    if availability not in Availability.values:
        raise ActionError(_("Unknown availability."), field="availability")
    actor.availability = availability
    actor.save(update_fields=["availability"])
    return actor


def check_create_team(actor: Membership, name: str, member_ids: list[int]) -> Team:
    if not actor.is_admin:
        raise PermissionDenied(_("Only owners and admins can create teams."))
    name = name.strip()
    if not name:
        raise ActionError(_("A team needs a name."), field="name")
    if Team.objects.filter(workspace=actor.workspace, name=name).exists():
        raise ActionError(_("A team with this name exists."), field="name")
    return do_create_team(actor.workspace, name, member_ids)


def do_create_team(workspace: Workspace, name: str, member_ids: list[int]) -> Team:
    members = list(Membership.objects.filter(workspace=workspace, id__in=member_ids))
    if len(members) != len(set(member_ids)):
        raise ActionError(_("Unknown agent."), field="members")
    with transaction.atomic():
        team = Team.objects.create(workspace=workspace, name=name)
        team.members.set(members)
    return team


def do_create_token(membership: Membership, name: str = "") -> tuple[ApiToken, str]:
    """Create an API token; the secret is returned once and only its digest is stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        workspace=membership.workspace,
        membership=membership,
        name=name,
        prefix=secret[:10],
        digest=token_digest(secret),
    )
    return token, secret


def do_revoke_token(token: ApiToken) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
