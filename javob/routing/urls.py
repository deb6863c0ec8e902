"""Pages under /settings/routing/ (included from javob/urls.py)."""

from django.urls import path

from javob.routing import views

app_name = "routing"

urlpatterns = [
    path("", views.index, name="index"),
    path("new", views.edit, name="new"),
    path("<int:setting_id>/", views.edit, name="edit"),
    path("<int:setting_id>/delete", views.delete, name="delete"),
    path("agents/<int:membership_id>/channels", views.skills, name="skills"),
]
