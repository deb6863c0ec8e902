from django.apps import AppConfig


class WebchatConfig(AppConfig):
    name = "javob.connectors.webchat"
    label = "webchat"
