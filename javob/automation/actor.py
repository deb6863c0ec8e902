"""The workspace's "Automation" pseudo-agent: the actor of rules and of routing.

The conversation actions (`check_assign`, `check_set_priority`, ...) take the acting
membership and authorize it, and the timeline records it. Rules and the router must go
through those same actions, so each workspace gets one membership that stands for them:

- its user cannot sign in (inactive, unusable password, an address under `.invalid`);
- the membership is inactive, so it is never listed among agents, never assignable and never
  a realtime recipient (`accounts.queries.agents` and `conversations.queries.viewer_ids`
  only take active memberships);
- its role is supervisor, so it sees every conversation of its workspace and nothing else,
  and it is not an admin.

The timeline shows its changes as made by "Automation".
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from javob.accounts.models import Availability, Membership, Role, User

DOMAIN = "automation.javob.invalid"


def automation_email(workspace_id: int) -> str:
    return f"workspace-{workspace_id}@{DOMAIN}"


def automation_actor(workspace_id: int) -> Membership:
    """The pseudo-agent rules and routing act as in this workspace, created on first use."""
    email = automation_email(workspace_id)
    found = (
        Membership.objects.select_related("user", "workspace")
        .filter(workspace_id=workspace_id, user__email=email)
        .first()
    )
    if found is not None:
        return found
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, None, is_active=False)
            Membership.objects.create(
                workspace_id=workspace_id,
                user=user,
                role=Role.SUPERVISOR,
                display_name=_("Automation"),
                availability=Availability.OFFLINE,
                is_active=False,
            )
    except IntegrityError:
        pass  # created by another process at the same moment
    return Membership.objects.select_related("user", "workspace").get(
        workspace_id=workspace_id, user__email=email
    )


def is_automation(member: Membership) -> bool:
    return member.user.email.endswith("@" + DOMAIN)
