from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "javob.conversations"
    label = "conversations"
