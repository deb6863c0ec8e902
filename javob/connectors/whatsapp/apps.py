from django.apps import AppConfig


class WhatsAppConfig(AppConfig):
    name = "javob.connectors.whatsapp"
    label = "whatsapp"
    verbose_name = "WhatsApp"
