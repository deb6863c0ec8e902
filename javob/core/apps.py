from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "javob.core"
    label = "core"

    def ready(self) -> None:
        from javob.core import i18n

        i18n.register_languages()
