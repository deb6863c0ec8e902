from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "javob.connectors"
    label = "connectors"
