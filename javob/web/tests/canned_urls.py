"""The project's URLs plus a stand-in canned-response picker, as the automation app adds it."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from javob.urls import urlpatterns as project


def picker(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return HttpResponse("")


urlpatterns = [*project, path("canned/<int:conversation_id>", picker, name="canned_picker")]
