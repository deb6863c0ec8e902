"""Every write to workspaces, agents, teams and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from javob.accounts.audit import record
from javob.accounts.invitations import InvalidInvitation, fingerprint, read_token
from javob.accounts.models import ApiToken, Availability, Membership, Role, Team, User, Workspace
from javob.accounts.tasks import send_invitation
from javob.core.errors import ActionError, NotFound, PermissionDenied
from javob.core.tasks import enqueue_on_commit
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
    changed = actor.availability != availability
    actor.availability = availability
    actor.save(update_fields=["availability"])
    if changed:
        # Routing may hand an agent's conversations on when they go offline (a task).
        from javob.connectors.webchat.presence import on_availability_changed
        from javob.routing.tasks import notify_availability

        notify_availability(actor.pk)
        on_availability_changed(actor.pk)  # the web chat widgets show the team's state
    return actor


def check_create_team(actor: Membership, name: str, member_ids: list[int]) -> Team:
    if not actor.is_admin:
        raise PermissionDenied(_("Only owners and admins can create teams."))
    name = name.strip()
    if not name:
        raise ActionError(_("A team needs a name."), field="name")
    if Team.objects.filter(workspace=actor.workspace, name=name).exists():
        raise ActionError(_("A team with this name exists."), field="name")
    team = do_create_team(actor.workspace, name, member_ids)
    record(actor, "team.created", team=team.pk, name=team.name)
    return team


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


# Administration of agents, teams and tokens (the settings pages call these).


def _require_admin(actor: Membership) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_("Only owners and admins can change workspace settings."))


def _member(actor: Membership, membership_id: int, *, lock: bool = False) -> Membership:
    """Any agent of the actor's workspace, active or not; NotFound for anyone else."""
    query = Membership.objects.filter(workspace_id=actor.workspace_id, pk=membership_id)
    if lock:
        query = query.select_for_update()
    member = query.select_related("user").first()
    if member is None:
        raise NotFound(_("No such agent in this workspace."), field="membership_id")
    return member


def check_invite_agent(actor: Membership, data: AgentInput, team_ids: list[int]) -> Membership:
    """Add an agent and email them: a new person gets a one-time link to choose a password
    (their account has no usable password until then), someone with an account a sign-in link.
    """
    with transaction.atomic():
        member = check_add_agent(actor, data)
        if team_ids:
            member.teams.set(_teams(actor, team_ids))
        record(actor, "agent.invited", membership=member.pk, email=member.user.email)
        enqueue_on_commit(send_invitation, member.pk)
    return member


def check_resend_invitation(actor: Membership, membership_id: int) -> Membership:
    """Send a new invitation; the earlier link stops working (a fresh unusable password)."""
    _require_admin(actor)
    with transaction.atomic():
        member = _member(actor, membership_id)
        if member.user.has_usable_password():
            raise ActionError(_("This agent has already chosen a password."))
        if not member.is_active:
            raise ActionError(_("This agent is deactivated."))
        member.user.set_unusable_password()
        member.user.save(update_fields=["password"])
        record(actor, "agent.reinvited", membership=member.pk)
        enqueue_on_commit(send_invitation, member.pk)
    return member


def do_accept_invitation(token: str, password: str) -> User:
    """Set the invited user's password through their link; the link then stops working.

    The password must already have passed the password validators (the form checks them).
    """
    with transaction.atomic():
        invitation = read_token(token)
        # Two submissions of one link: the second waits here, then finds the link used.
        user = User.objects.select_for_update().get(pk=invitation.user.pk)
        if user.has_usable_password() or fingerprint(user) != invitation.fingerprint:
            raise InvalidInvitation(_("This invitation has already been used."))
        user.set_password(password)
        user.save(update_fields=["password"])
        record(None, "agent.invitation_accepted", user=user.pk)
    return user


def check_change_role(actor: Membership, membership_id: int, role: str) -> Membership:
    """Change an agent's role. Only owners make owners or change an owner's role, and a
    workspace always keeps one active owner."""
    _require_admin(actor)
    if role not in Role.values:
        raise ActionError(_("Unknown role."), field="role")
    with transaction.atomic():
        member = _member(actor, membership_id, lock=True)
        if member.role == role:
            return member
        if Role.OWNER in (role, member.role) and actor.role != Role.OWNER:
            raise PermissionDenied(_("Only an owner can make or change an owner."), field="role")
        if member.role == Role.OWNER:
            _keep_an_owner(member, field="role")
        previous = member.role
        member.role = role
        member.save(update_fields=["role"])
        record(actor, "agent.role", membership=member.pk, previous=previous, role=role)
    return member


def _keep_an_owner(leaving: Membership, *, field: str) -> None:
    """Refuse to take away the last active owner (rows locked, so two demotions can't race)."""
    owners = list(
        Membership.objects.select_for_update()
        .filter(workspace_id=leaving.workspace_id, role=Role.OWNER, is_active=True)
        .values_list("pk", flat=True)
    )
    if set(owners) <= {leaving.pk}:
        raise ActionError(
            _("A workspace needs an owner; make another agent an owner first."), field=field
        )


def check_set_agent_languages(
    actor: Membership, membership_id: int, languages: list[str]
) -> Membership:
    _require_admin(actor)
    cleaned = sorted({code.strip() for code in languages if code.strip()})
    check_language_codes(cleaned)
    with transaction.atomic():
        member = _member(actor, membership_id, lock=True)
        if member.languages == cleaned:
            return member
        member.languages = cleaned
        member.save(update_fields=["languages"])
        record(actor, "agent.languages", membership=member.pk, languages=cleaned)
    return member


def check_set_agent_teams(actor: Membership, membership_id: int, team_ids: list[int]) -> Membership:
    _require_admin(actor)
    with transaction.atomic():
        member = _member(actor, membership_id)
        teams = _teams(actor, team_ids)
        if sorted(team.pk for team in teams) != sorted(member.teams.values_list("pk", flat=True)):
            member.teams.set(teams)
            record(actor, "agent.teams", membership=member.pk, teams=sorted(t.pk for t in teams))
    return member


def _teams(actor: Membership, team_ids: list[int]) -> list[Team]:
    teams = list(Team.objects.filter(workspace_id=actor.workspace_id, pk__in=team_ids))
    if len(teams) != len(set(team_ids)):
        raise ActionError(_("Unknown team."), field="teams")
    return teams


def check_deactivate_agent(actor: Membership, membership_id: int) -> Membership:
    """Deactivate (never delete) an agent: they can no longer sign in to this workspace and
    their API tokens stop working; their conversations and history stay."""
    _require_admin(actor)
    with transaction.atomic():
        member = _member(actor, membership_id, lock=True)
        if not member.is_active:
            return member
        if member.pk == actor.pk:
            raise ActionError(_("You cannot deactivate yourself."))
        if member.role == Role.OWNER:
            if actor.role != Role.OWNER:
                raise PermissionDenied(_("Only an owner can deactivate an owner."))
            _keep_an_owner(member, field="role")
        member.is_active = False
        member.availability = Availability.OFFLINE
        member.save(update_fields=["is_active", "availability"])
        record(actor, "agent.deactivated", membership=member.pk)
        from javob.connectors.webchat.presence import on_availability_changed

        on_availability_changed(member.pk)
    return member


def check_reactivate_agent(actor: Membership, membership_id: int) -> Membership:
    _require_admin(actor)
    with transaction.atomic():
        member = _member(actor, membership_id, lock=True)
        if member.role == Role.OWNER and actor.role != Role.OWNER:
            raise PermissionDenied(_("Only an owner can reactivate an owner."))
        if not member.is_active:
            member.is_active = True
            member.save(update_fields=["is_active"])
            record(actor, "agent.reactivated", membership=member.pk)
    return member


def check_rename_team(actor: Membership, team_id: int, name: str) -> Team:
    _require_admin(actor)
    name = name.strip()
    if not name:
        raise ActionError(_("A team needs a name."), field="name")
    with transaction.atomic():
        team = _team(actor, team_id)
        if team.name == name:
            return team
        if Team.objects.filter(workspace_id=actor.workspace_id, name=name).exists():
            raise ActionError(_("A team with this name exists."), field="name")
        previous = team.name
        team.name = name[:200]
        team.save(update_fields=["name"])
        record(actor, "team.renamed", team=team.pk, previous=previous, name=team.name)
    return team


def check_set_team_members(actor: Membership, team_id: int, member_ids: list[int]) -> Team:
    _require_admin(actor)
    with transaction.atomic():
        team = _team(actor, team_id)
        members = list(
            Membership.objects.filter(workspace_id=actor.workspace_id, pk__in=member_ids)
        )
        if len(members) != len(set(member_ids)):
            raise ActionError(_("Unknown agent."), field="members")
        team.members.set(members)
        record(actor, "team.members", team=team.pk, members=sorted(m.pk for m in members))
    return team


def check_delete_team(actor: Membership, team_id: int) -> None:
    """Delete a team that no conversation belongs to. A team's conversations would otherwise
    lose their team and become visible to every agent, so they must be moved first."""
    _require_admin(actor)
    with transaction.atomic():
        team = _team(actor, team_id)
        used = team.conversations.count()
        if used:
            raise ActionError(
                ngettext(
                    "%(count)d conversation belongs to this team; move it to another team first.",
                    "%(count)d conversations belong to this team; move them to another team first.",
                    used,
                )
                % {"count": used}
            )
        record(actor, "team.deleted", team=team.pk, name=team.name)
        team.delete()


def _team(actor: Membership, team_id: int) -> Team:
    team = Team.objects.filter(workspace_id=actor.workspace_id, pk=team_id).first()
    if team is None:
        raise NotFound(_("No such team in this workspace."), field="team_id")
    return team


def check_create_token(actor: Membership, name: str) -> tuple[ApiToken, str]:
    """An API token of the acting admin; the secret is returned once, never stored."""
    _require_admin(actor)
    name = name.strip()
    if not name:
        raise ActionError(_("Name the token after what will use it."), field="name")
    token, secret = do_create_token(actor, name[:200])
    record(actor, "token.created", token=token.pk, prefix=token.prefix)
    return token, secret


def check_revoke_token(actor: Membership, token_id: int) -> ApiToken:
    _require_admin(actor)
    token = ApiToken.objects.filter(
        workspace_id=actor.workspace_id, pk=token_id, revoked_at__isnull=True
    ).first()
    if token is None:
        raise NotFound(_("No such API token."), field="token_id")
    do_revoke_token(token)
    record(actor, "token.revoked", token=token.pk, prefix=token.prefix)
    return token
