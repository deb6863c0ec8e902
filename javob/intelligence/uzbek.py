"""Uzbek text: apostrophe normalisation, transliteration and script-independent search keys.

Uzbek is written in Latin (oʻ gʻ with U+02BB, the tutuq belgisi ʼ U+02BC) and in Cyrillic
(ў қ ғ ҳ). People type every apostrophe variant (o' o‘ o’ o` oʻ) or none at all, and on a
Russian keyboard write у к г х for ў қ ғ ҳ. The functions here make those spellings meet.

alifbo (0.6) is a careful transliterator and we use it for Latin <-> Cyrillic. Checked by
hand (see tests/test_uzbek.py and docs/intelligence.md), it is wrong or unsuitable where:
- ``ng'`` before a vowel is read as the digraph ng plus a stray apostrophe, so
  ``qo'ng'iroq`` becomes ``қўнгʻироқ`` (should be ``қўнғироқ``); we pre-compose ``gʻ`` first;
- its search keys only lowercase letters in its own tables (``Ä``, ``İ``, Kazakh ``Ә`` stay
  upper case) and keep the tutuq belgisi, so ``malumot`` does not find ``maʼlumot``;
- it is slow for search indexing (about 1 ms per sentence), so ``fold_search_key`` is our
  own table-driven fold, which agrees with alifbo wherever alifbo is right.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import alifbo

# Every character people use for the Uzbek apostrophe: ASCII, typographic quotes, the
# modifier letters, backtick, acute, prime and the full-width form.
APOSTROPHES = "'‘’ʻʼ`´′＇ʹ"
OKINA = "ʻ"  # U+02BB, official for oʻ gʻ
TUTUQ = "ʼ"  # U+02BC, official tutuq belgisi (Cyrillic ъ)

_APOSTROPHE_CLASS = "[" + re.escape(APOSTROPHES) + "]"
_AFTER_O_G = re.compile(r"(?<=[oOgG])" + _APOSTROPHE_CLASS)
_AFTER_LETTER = re.compile(r"(?<=[^\W\d_])" + _APOSTROPHE_CLASS + r"(?=[^\W\d_])")
# Phones without the ʻ key give ó ò ô ö ō for oʻ and ǵ ğ ĝ for gʻ; the 2026 alphabet uses
# ö ğ ş ç. Both fold to the classic letters most existing text uses.
_LETTER_VARIANTS = str.maketrans(
    {
        "ó": "oʻ",
        "ò": "oʻ",
        "ô": "oʻ",
        "ö": "oʻ",
        "ō": "oʻ",
        "Ó": "Oʻ",
        "Ò": "Oʻ",
        "Ô": "Oʻ",
        "Ö": "Oʻ",
        "Ō": "Oʻ",
        "ǵ": "gʻ",
        "ğ": "gʻ",
        "ĝ": "gʻ",
        "Ǵ": "Gʻ",
        "Ğ": "Gʻ",
        "Ĝ": "Gʻ",
        "ş": "sh",
        "Ş": "Sh",
        "ç": "ch",
        "Ç": "Ch",
    }
)
_NG_APOSTROPHE = re.compile(r"([nN])([gG])ʻ")


def normalize_apostrophes(text: str) -> str:
    """Fold every apostrophe variant: U+02BB after o/g, U+02BC between other letters.

    Unlike ``normalize_uz`` it leaves letters alone, so Turkish ö ş ç survive.
    """
    text = _AFTER_LETTER.sub(TUTUQ, unicodedata.normalize("NFC", text))
    # The o/g rule runs last so that it wins: oʻ gʻ also end words (togʻ, bogʻ).
    return _AFTER_O_G.sub(OKINA, text)


def normalize_uz(text: str) -> str:
    """Return Uzbek Latin text with one spelling of oʻ, gʻ and the tutuq belgisi.

    Any apostrophe variant after o/g becomes U+02BB; between other letters it becomes the
    tutuq belgisi U+02BC. Accented stand-ins (ó, ō, ğ, and the 2026 letters ö ğ ş ç) become
    oʻ, gʻ, sh, ch. Cyrillic and text without apostrophes pass through unchanged, so the
    function is safe to apply to any message before matching Uzbek words.
    """
    return normalize_apostrophes(unicodedata.normalize("NFC", text).translate(_LETTER_VARIANTS))


def to_cyrillic(text: str) -> str:
    """Transliterate Uzbek Latin to Cyrillic (alifbo, with the ``ngʻ`` fix)."""
    text = normalize_uz(text)
    # alifbo accepts the 2026 letter ğ and maps it to ғ; giving it ğ avoids the ng digraph.
    text = _NG_APOSTROPHE.sub(lambda m: m.group(1) + ("Ğ" if m.group(2) == "G" else "ğ"), text)
    result: str = alifbo.to_cyrillic(text).text
    return result


def to_latin(text: str) -> str:
    """Transliterate Uzbek Cyrillic to the classic Latin alphabet (oʻ gʻ sh ch)."""
    new_latin: str = alifbo.from_cyrillic(text).text
    classic: str = alifbo.to_old_latin(new_latin).text
    return classic


# Russian-keyboard spelling of Uzbek Cyrillic: people write у к г х for ў қ ғ ҳ.
KEYBOARD_FOLD = str.maketrans("ўқғҳЎҚҒҲ", "укгхУКГХ")


def keyboard_fold(text: str) -> str:
    """Replace ў қ ғ ҳ with the Russian-keyboard letters people type instead."""
    return text.translate(KEYBOARD_FOLD)


# --- search keys -------------------------------------------------------------------------

_CYRILLIC_TO_KEY = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "ж": "j",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "x",
    "ч": "ch",
    "ш": "sh",
    "щ": "sh",
    "ы": "i",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    "ё": "yo",
    "ў": "o",
    "қ": "q",
    "ғ": "g",
    "ҳ": "h",
    "ъ": "",
    "ь": "",
    # Kazakh, Kyrgyz and Tajik letters, so their text folds to something searchable too.
    "ә": "a",
    "ө": "o",
    "ү": "u",
    "ұ": "u",
    "і": "i",
    "ң": "ng",
    "һ": "h",
    "ҷ": "j",
    "ӣ": "i",
    "ӯ": "u",
    "ї": "yi",
    "є": "ye",
    "ґ": "g",
}
_CYRILLIC_VOWELS = frozenset("аеёиоуўэюяыәөүұіӣӯ")
_LATIN_KEY_FIXES = str.maketrans({"ı": "i", "ə": "a", "ß": "ss", "ø": "o", "æ": "ae", "đ": "d"})
_WORD_START_E = re.compile(r"(?<![^\W\d_])е")
_VOWEL_E = re.compile("(?<=[" + "".join(sorted(_CYRILLIC_VOWELS | {"ъ", "ь"})) + "])е")
_TSE_AFTER_VOWEL = re.compile("(?<=[" + "".join(sorted(_CYRILLIC_VOWELS)) + "])ц")
_APOSTROPHE_ANY = re.compile(_APOSTROPHE_CLASS)
_LOOSE_H = re.compile("h")


@cache
def _cyrillic_table() -> dict[int, str]:
    return {ord(k): v for k, v in _CYRILLIC_TO_KEY.items()} | {ord("е"): "e", ord("ц"): "s"}


def _cyrillic_to_key(text: str) -> str:
    # Uzbek spelling rules: е is "ye" at the start of a word and after a vowel or a sign;
    # ц is "ts" after a vowel and "s" elsewhere (цех -> sex, лицей -> litsey).
    text = _WORD_START_E.sub("ye", text)
    text = _VOWEL_E.sub("ye", text)
    text = _TSE_AFTER_VOWEL.sub("ts", text)
    return text.translate(_cyrillic_table())


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_search_key(text: str, *, loose: bool = False) -> str:
    """Return a lowercase ASCII-leaning key under which Uzbek Latin and Cyrillic meet.

    ``Oʻzbekiston``, ``O'zbekiston``, ``Ozbekiston`` and ``Ўзбекистон`` all give
    ``ozbekiston``; ``qoʻngʻiroq`` and ``қўнғироқ`` give ``qongiroq``; ``maʼlumot`` and
    ``маълумот`` give ``malumot``. Apostrophes are dropped because half of Uzbek users omit
    them. With ``loose`` the Russian-keyboard confusions also meet: q/k and h/x
    (``рахмат`` finds ``rahmat``). Index and query must use the same ``loose`` value.
    """
    key = normalize_uz(text).casefold()
    key = _cyrillic_to_key(key)
    key = _APOSTROPHE_ANY.sub("", key)
    key = _strip_marks(key.translate(_LATIN_KEY_FIXES))
    if loose:
        key = _LOOSE_H.sub("x", key.replace("q", "k"))
    return key
