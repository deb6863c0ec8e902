from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "javob.automation"
    label = "automation"
