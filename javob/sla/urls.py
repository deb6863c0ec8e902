from django.urls import path

from javob.sla import views

app_name = "sla"

urlpatterns = [
    path("", views.index, name="index"),
    path("calendars/new/", views.calendar_edit, name="calendar_new"),
    path("calendars/<int:calendar_id>/", views.calendar_edit, name="calendar"),
    path("calendars/<int:calendar_id>/delete/", views.calendar_delete, name="calendar_delete"),
    path("calendars/<int:calendar_id>/holidays/", views.holiday_add, name="holiday_add"),
    path(
        "calendars/<int:calendar_id>/holidays/<int:holiday_id>/delete/",
        views.holiday_delete,
        name="holiday_delete",
    ),
    path("policies/new/", views.policy_edit, name="policy_new"),
    path("policies/<int:policy_id>/", views.policy_edit, name="policy"),
    path("policies/<int:policy_id>/delete/", views.policy_delete, name="policy_delete"),
    path("links/", views.link, name="link"),
    path("shifts/<int:membership_id>/", views.shift, name="shift"),
    path("auto-ack/<int:inbox_id>/", views.auto_ack, name="auto_ack"),
]
