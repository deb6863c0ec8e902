from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "javob.intelligence"
    label = "intelligence"
