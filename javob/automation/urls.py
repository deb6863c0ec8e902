"""Pages under /settings/automation/ (included from javob/urls.py)."""

from django.urls import path

from javob.automation import views

app_name = "automation"

urlpatterns = [
    path("", views.index, name="index"),
    path("canned/new", views.canned_edit, name="canned_new"),
    path("canned/search", views.canned_search, name="canned_search"),
    path("canned/<int:canned_id>/", views.canned_edit, name="canned_edit"),
    path("canned/<int:canned_id>/delete", views.canned_delete, name="canned_delete"),
    path("canned/<int:canned_id>/use", views.canned_use, name="canned_use"),
    path("macros/new", views.macro_edit, name="macro_new"),
    path("macros/<int:macro_id>/", views.macro_edit, name="macro_edit"),
    path("macros/<int:macro_id>/delete", views.macro_delete, name="macro_delete"),
    path("macros/<int:macro_id>/apply", views.macro_apply, name="macro_apply"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new", views.rule_edit, name="rule_new"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:rule_id>/enabled", views.rule_toggle, name="rule_toggle"),
    path("rules/<int:rule_id>/move", views.rule_move, name="rule_move"),
    path("rules/<int:rule_id>/delete", views.rule_delete, name="rule_delete"),
]
