from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "javob.realtime"
    label = "realtime"
