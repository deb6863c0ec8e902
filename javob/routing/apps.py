from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "javob.routing"
    label = "routing"
