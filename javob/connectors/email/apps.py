from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "javob.connectors.email"
    label = "email_channel"
    verbose_name = "Email channel"
