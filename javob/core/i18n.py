"""Languages of the interface, including Uzbek in Cyrillic script, which Django lacks."""

from django.conf.locale import LANG_INFO


def register_languages() -> None:
    LANG_INFO.setdefault(
        "uz-cyrl",
        {"bidi": False, "code": "uz-cyrl", "name": "Uzbek (Cyrillic)", "name_local": "Ўзбекча"},
    )
