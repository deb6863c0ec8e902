from django.contrib import admin
from django.test import Client

from conftest import Cast
from javob.accounts.models import User
from javob.web.settings_pages.admin_site import SuperuserAdminSite


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_django_admin_opens_for_superusers_only(cast: Cast) -> None:
    root = User.objects.create_superuser("root@example.com", "root-pass-4821")
    staff = User.objects.create_user("staff@example.com", "staff-pass-4821", is_staff=True)

    assert isinstance(admin.site, SuperuserAdminSite)
    assert signed_in(root).get("/admin/").status_code == 200
    for user in (staff, cast.alice.user):
        response = signed_in(user).get("/admin/")
        assert response.status_code == 302
        assert response["Location"] == "/admin/login/?next=/admin/"
