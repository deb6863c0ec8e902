from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "javob.web"
    label = "web"
