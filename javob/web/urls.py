from django.urls import path
from django.views.generic import RedirectView

from javob.web import views

urlpatterns = [
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("healthz", views.healthz, name="healthz"),
    path("", views.home, name="home"),
]
