"""REST endpoints for agents, teams and the caller's own profile."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from javob.accounts.actions import (
    AgentInput,
    check_add_agent,
    check_create_team,
    check_set_availability,
)
from javob.accounts.queries import agents, teams
from javob.accounts.schemas import AgentIn, AgentOut, AvailabilityIn, MeOut, TeamIn, TeamOut
from javob.core.api_auth import ERRORS, actor, field_names

router = Router(tags=["agents"])


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The calling agent and workspace")
def me(request: HttpRequest) -> MeOut:
    return MeOut.of_me(actor(request))


@router.post("/me/availability", response={200: MeOut, **ERRORS}, summary="Set my availability")
def set_availability(request: HttpRequest, data: AvailabilityIn) -> MeOut:
    return MeOut.of_me(check_set_availability(actor(request), data.availability))


@router.get(
    "/agents", response={200: list[AgentOut], **ERRORS}, summary="List the workspace's agents"
)
def list_agents(request: HttpRequest) -> list[AgentOut]:
    members = agents(actor(request).workspace_id).prefetch_related("teams")
    return [AgentOut.of(member) for member in members]


@router.post(
    "/agents",
    response={201: AgentOut, **ERRORS},
    summary="Add an agent (owners and admins)",
    description="Adds a new or existing user as an agent. An existing user keeps their "
    "password; a new one signs in after a password reset or uses an API token.",
)
def add_agent(request: HttpRequest, data: AgentIn) -> Status[AgentOut]:
    agent_input = AgentInput(
        email=data.email,
        role=data.role,
        display_name=data.display_name,
        languages=tuple(data.languages),
        time_zone=data.time_zone,
    )
    member = check_add_agent(actor(request), agent_input)
    return Status(201, AgentOut.of(member))


@router.get(
    "/teams",
    response={200: list[TeamOut], **ERRORS},
    summary="List the workspace's teams",
    tags=["teams"],
)
def list_teams(request: HttpRequest) -> list[TeamOut]:
    return [
        TeamOut.of(team) for team in teams(actor(request).workspace_id).prefetch_related("members")
    ]


@router.post(
    "/teams",
    response={201: TeamOut, **ERRORS},
    summary="Create a team (owners and admins)",
    tags=["teams"],
)
def create_team(request: HttpRequest, data: TeamIn) -> Status[TeamOut]:
    with field_names({"members": "member_ids"}):
        team = check_create_team(actor(request), data.name, list(data.member_ids))
    return Status(201, TeamOut.of(team))
