from django.contrib import admin
from django.urls import include, path

from javob.api import api
from javob.connectors.email.views import inbound_mime
from javob.connectors.sms.media import serve as sms_media
from javob.connectors.views import hook

urlpatterns = [
    path("api/v1/", api.urls),
    path("hooks/<slug:kind>/<int:inbox_id>", hook, name="hook"),
    path("hooks/sms/media/<str:token>", sms_media, name="sms_media"),
    path("widget/", include("javob.connectors.webchat.urls")),
    path("hooks/email/<int:inbox_id>/mime", inbound_mime, name="email_mime"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("settings/sla/", include("javob.sla.urls")),
    path("settings/automation/", include("javob.automation.urls")),
    path("settings/routing/", include("javob.routing.urls")),
    path("settings/", include("javob.web.settings_pages.urls")),
    path("", include("javob.web.urls")),
]
