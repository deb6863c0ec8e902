from django.urls import path

from javob.connectors.webchat.consumers import VisitorConsumer

widget_urlpatterns = [path("ws/widget/<str:public_id>/", VisitorConsumer.as_asgi())]
