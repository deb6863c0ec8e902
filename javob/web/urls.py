from django.urls import include, path
from django.views.generic import RedirectView

from javob.automation import views as automation_views
from javob.web import conversation, inbox, views

urlpatterns = [
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/bulk", inbox.bulk, name="inbox_bulk"),
    path("inbox/filters", inbox.save_filter, name="save_filter"),
    path("inbox/filters/<int:filter_id>/delete", inbox.delete_filter, name="delete_filter"),
    path("inbox/<slug:view>/", inbox.inbox, name="inbox_view"),
    path("inbox/<slug:view>/row/<int:conversation_id>", inbox.inbox_row, name="inbox_row"),
    path("inbox/<slug:view>/nav", inbox.inbox_nav, name="inbox_nav"),
    path("conversations/<int:conversation_id>/", conversation.conversation, name="conversation"),
    path(
        "conversations/<int:conversation_id>/<slug:part>.html",
        conversation.fragment,
        name="conversation_fragment",
    ),
    path(
        "conversations/<int:conversation_id>/canned",
        automation_views.canned_picker,
        name="canned_picker",
    ),
    path(
        "conversations/<int:conversation_id>/<slug:what>",
        conversation.change,
        name="conversation_change",
    ),
    path("messages/<int:message_id>/original", conversation.original, name="message_original"),
    path(
        "messages/<int:message_id>/<slug:what>", conversation.message_change, name="message_change"
    ),
    path("attachments/<int:attachment_id>", views.attachment, name="attachment"),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/avatar", views.preferences_avatar, name="preferences_avatar"),
    path("workspaces/<int:workspace_id>", views.switch_workspace, name="switch_workspace"),
    path("", views.home, name="home"),
]
