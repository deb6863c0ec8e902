from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "javob.contacts"
    label = "contacts"
