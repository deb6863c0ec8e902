"""Django's own admin, for the server's superusers only.

Django lets any active staff user into its admin; Javob's agents administer their
workspace in /settings/, so /admin/ further requires `is_superuser` (the operator, created
with `javob createsuperuser`).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest


class SuperuserAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)


class SuperuserAdminConfig(AdminConfig):
    default_site = "javob.web.settings_pages.admin_site.SuperuserAdminSite"
