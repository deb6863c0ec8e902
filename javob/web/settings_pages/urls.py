"""/settings/: the pages where owners and admins run their workspace."""

from django.urls import path
from django.views.generic import RedirectView

from javob.web.settings_pages.views import (
    agents,
    inboxes,
    invite,
    labels,
    quarantine,
    teams,
    tokens,
)

app_name = "settings"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="settings:agents"), name="index"),
    path("agents/", agents.agent_list, name="agents"),
    path("agents/invite/", agents.agent_invite, name="agent-invite"),
    path("agents/<int:membership_id>/", agents.agent_edit, name="agent-edit"),
    path(
        "agents/<int:membership_id>/deactivate/",
        agents.agent_deactivate,
        name="agent-deactivate",
    ),
    path(
        "agents/<int:membership_id>/reactivate/",
        agents.agent_reactivate,
        name="agent-reactivate",
    ),
    path("agents/<int:membership_id>/reinvite/", agents.agent_reinvite, name="agent-reinvite"),
    path("invite/<str:token>/", invite.invite_accept, name="invite-accept"),
    path("teams/", teams.team_list, name="teams"),
    path("teams/<int:team_id>/", teams.team_edit, name="team-edit"),
    path("teams/<int:team_id>/delete/", teams.team_delete, name="team-delete"),
    path("inboxes/", inboxes.inbox_list, name="inboxes"),
    path("inboxes/new/", inboxes.inbox_kinds, name="inbox-kinds"),
    path("inboxes/new/<slug:kind>/", inboxes.inbox_add, name="inbox-add"),
    path("inboxes/<int:inbox_id>/", inboxes.inbox_edit, name="inbox-edit"),
    path("inboxes/<int:inbox_id>/secret/", inboxes.inbox_secret, name="inbox-secret"),
    path(
        "inboxes/<int:inbox_id>/identity-secret/",
        inboxes.inbox_identity_secret,
        name="inbox-identity-secret",
    ),
    path("inboxes/<int:inbox_id>/active/", inboxes.inbox_active, name="inbox-active"),
    path(
        "inboxes/<int:inbox_id>/quarantine/",
        quarantine.quarantine_list,
        name="inbox-quarantine",
    ),
    path(
        "inboxes/<int:inbox_id>/quarantine/<int:item_id>/raw/",
        quarantine.quarantine_raw,
        name="inbox-quarantine-raw",
    ),
    path(
        "inboxes/<int:inbox_id>/quarantine/<int:item_id>/reprocess/",
        quarantine.quarantine_reprocess,
        name="inbox-quarantine-reprocess",
    ),
    path("labels/", labels.label_list, name="labels"),
    path("labels/<int:label_id>/", labels.label_edit, name="label-edit"),
    path("labels/<int:label_id>/delete/", labels.label_delete, name="label-delete"),
    path("tokens/", tokens.token_list, name="tokens"),
    path("tokens/<int:token_id>/revoke/", tokens.token_revoke, name="token-revoke"),
]
