"""Every interface string ships in Uzbek (Latin and Cyrillic), Russian and English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"
ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', re.MULTILINE)


def entries(language: str) -> list[tuple[str, str]]:
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text()
    return [(_join(msgid), _join(msgstr)) for msgid, msgstr in ENTRY.findall(text)][1:]


def _join(block: str) -> str:
    return "".join(re.findall(r'"(.*)"', block))


@pytest.mark.parametrize("language", ["uz", "uz_Cyrl", "ru", "en"])
def test_every_string_is_translated(language: str) -> None:
    found = entries(language)
    assert len(found) > 150
    assert [msgid for msgid, msgstr in found if not msgstr] == []
    assert (LOCALE / language / "LC_MESSAGES" / "django.mo").stat().st_size > 1000


PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[-+ #0-9.]*[a-zA-Z]")


@pytest.mark.parametrize("language", ["uz", "uz_Cyrl", "ru", "en"])
def test_translations_keep_placeholders_and_nothing_is_fuzzy(language: str) -> None:
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text()
    assert "#, fuzzy" not in text  # fuzzy entries are silently left out of the .mo
    mismatched = [
        msgid
        for msgid, msgstr in entries(language)
        if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr))
    ]
    assert mismatched == []


def test_english_is_the_source_text() -> None:
    assert [msgid for msgid, msgstr in entries("en") if msgid != msgstr] == []


def test_cyrillic_uzbek_has_no_latin_words_outside_names_and_code() -> None:
    allowed = re.compile(
        r"%\([a-z_0-9]+\)[-+ #0-9.]*[a-zA-Z]|`[^`]*`|<[^>]+>|\b[a-z]+(?:_[a-z]+)+\b|"
        r"(?<![A-Za-z])(API|JSON|CSV|URL|NUL|CSRF|TEXT|BCP|REST|Meta|MarkdownV2|Ctrl|Enter|Esc|"
        r"F1|SMS|Email|email|Webhook|webhook_url|webhook|Telegram|WhatsApp|Instagram|Messenger|"
        r"X|X-CSRFToken|assignee(_id)?(=me|=none)?|http\(s\)|text,label|n|FILE\.csv|examples|"
        r"shared|data|--data-dir|Twilio|Eskiz|Play Mobile|Bearer|OAuth 1\.0a|OAuth|Account SID|"
        r"Messaging Service SID|AC\.\.\.|WebP|https://\S+)(?![A-Za-z])"
    )
    leftovers = [
        msgstr
        for _msgid, msgstr in entries("uz_Cyrl")
        if re.search("[a-z]", allowed.sub("", msgstr))
    ]
    assert leftovers == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("uz", "Bunday suhbat yo‘q."),
        ("uz-cyrl", "Бундай суҳбат йўқ."),
        ("ru", "Такого разговора нет."),
        ("en", "No such conversation."),
    ],
)
def test_activated_language_translates(language: str, expected: str) -> None:
    with translation.override(language):
        assert translation.gettext("No such conversation.") == expected


@pytest.mark.django_db
def test_api_errors_follow_accept_language() -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="uz-Cyrl")
    response = client.get("/api/v1/conversations")
    assert response.status_code == 401
    assert response.json()["detail"] == "Тўғри API токенини юборинг ёки тизимга киринг."
