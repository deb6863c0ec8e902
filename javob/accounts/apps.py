from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "javob.accounts"
    label = "accounts"
