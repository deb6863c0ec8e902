"""Shapes of agents, teams and the caller's own profile in the REST API."""

from __future__ import annotations

from ninja import Field, Schema

from javob.accounts.models import Membership, Role, Team, Workspace
from javob.core.api_auth import Id, InputSchema


class AgentOut(Schema):
    """An agent of the workspace."""

    id: int
    email: str
    name: str
    role: str = Field(description="owner, admin, supervisor or agent")
    languages: list[str]
    time_zone: str
    availability: str = Field(description="online, busy, away or offline")
    team_ids: list[int]

    @classmethod
    def of(cls, member: Membership) -> AgentOut:
        """Needs `user` selected and `teams` prefetched to stay at one query per list."""
        return cls(
            id=member.pk,
            email=member.user.email,
            name=member.name,
            role=member.role,
            languages=list(member.languages),
            time_zone=member.time_zone,
            availability=member.availability,
            team_ids=sorted(team.pk for team in member.teams.all()),
        )


class WorkspaceOut(Schema):
    id: int
    name: str
    time_zone: str
    default_locale: str

    @classmethod
    def of(cls, workspace: Workspace) -> WorkspaceOut:
        return cls(
            id=workspace.pk,
            name=workspace.name,
            time_zone=workspace.time_zone,
            default_locale=workspace.default_locale,
        )


class MeOut(AgentOut):
    """The calling agent and the workspace the request acts in."""

    workspace: WorkspaceOut

    @classmethod
    def of_me(cls, member: Membership) -> MeOut:
        agent = AgentOut.of(member)
        return cls(**agent.model_dump(), workspace=WorkspaceOut.of(member.workspace))


class AgentIn(InputSchema):
    """A person to add as an agent; an existing user keeps their password."""

    email: str = Field(max_length=254)
    role: str = Field(default=Role.AGENT, description="owner, admin, supervisor or agent")
    display_name: str = Field(default="", max_length=200)
    languages: list[str] = Field(default_factory=list, max_length=50)
    time_zone: str = Field(default="UTC", max_length=64)


class AvailabilityIn(InputSchema):
    availability: str = Field(description="online, busy, away or offline")


class TeamOut(Schema):
    id: int
    name: str
    member_ids: list[int]

    @classmethod
    def of(cls, team: Team) -> TeamOut:
        """Needs `members` prefetched to stay at one query per list."""
        return cls(id=team.pk, name=team.name, member_ids=sorted(m.pk for m in team.members.all()))


class TeamIn(InputSchema):
    name: str = Field(max_length=200)
    member_ids: list[Id] = Field(default_factory=list, max_length=1000)
