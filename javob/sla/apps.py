from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "javob.sla"
    label = "sla"
