"""Language and script of a message, as a BCP 47 tag (``uz-Latn``, ``uz-Cyrl``, ``ru``, ``und``).

Two maintained detectors vote — CLD2 (pycld2) and py3langid — and rules decide what they
cannot: letters only one language uses (ў for Uzbek, ә ұ for Kazakh, ҷ ӣ ӯ for Tajik, ə for
Azerbaijani, ň ý for Turkmen, ї є ґ for Ukrainian ...) narrow the candidates, and short
messages are read with a lexicon of greetings and thanks. Anything else too short to tell is
``und``: the caller inherits the conversation's language instead of trusting a wild guess.
Evaluation and the reasons for each rule are in docs/intelligence.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pycld2

from javob.intelligence.scripts import script_counts
from javob.intelligence.uzbek import normalize_apostrophes


@dataclass(frozen=True, slots=True)
class Detection:
    """A language guess: BCP 47 tag, ISO 15924 script of the letters, confidence 0..1."""

    language: str
    script: str | None
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        return {"language": self.language, "script": self.script, "confidence": self.confidence}


UNDETERMINED = "und"
MAX_CHARS = 2000
LANGID_CHARS = 600
# Below this many letters only the lexicon may name a language.
MIN_LETTERS = 4
# Below this many letters the detectors must agree more strongly.
SHORT_LETTERS = 24
# Confidence a vote needs, by number of letters: chosen on the dev half so that decided
# short messages are right at least ~95% of the time; the rest are "und".
_NEEDED_CONFIDENCE = ((12, 0.5), (SHORT_LETTERS, 0.42))
_MIN_CONFIDENCE = 0.3
# Weights of the two detectors, chosen on the dev half of the derived set (the test half is
# what docs/intelligence.md reports): py3langid is better on tweets, CLD2 on longer text.
_CLD_WEIGHT = 0.3
_LANGID_WEIGHT = 0.7
# First-market prior: a short Cyrillic message split between Russian, Bulgarian and
# Serbian is Russian far more often in our inboxes. Chosen on the dev half: it turns about
# 10% of "und" answers into right ones without adding wrong ones.
_PRIOR: dict[str, float] = {"ru": 1.2, "uz": 1.2}

_NOISE = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|[@#]\w+|\d+", re.IGNORECASE | re.UNICODE)
_TOKEN = re.compile(r"[^\W\d_]+(?:[ʻʼ][^\W\d_]+)*")

# Scripts written by one language (or one we name by the script).
_SCRIPT_LANGUAGE = {
    "Grek": "el",
    "Armn": "hy",
    "Hebr": "he",
    "Beng": "bn",
    "Guru": "pa",
    "Gujr": "gu",
    "Orya": "or",
    "Taml": "ta",
    "Telu": "te",
    "Knda": "kn",
    "Mlym": "ml",
    "Sinh": "si",
    "Thai": "th",
    "Laoo": "lo",
    "Tibt": "bo",
    "Mymr": "my",
    "Geor": "ka",
    "Hang": "ko",
    "Khmr": "km",
    "Hira": "ja",
    "Kana": "ja",
}

# Letters that narrow a text to a few languages. Each present letter intersects the set.
_LETTER_LANGUAGES: dict[str, frozenset[str]] = {
    "ў": frozenset({"uz", "be"}),
    "ҳ": frozenset({"uz", "tg"}),
    "қ": frozenset({"uz", "kk", "tg"}),
    "ғ": frozenset({"uz", "kk", "tg"}),
    "ҷ": frozenset({"tg"}),
    "ӣ": frozenset({"tg"}),
    "ӯ": frozenset({"tg"}),
    "ә": frozenset({"kk", "tt", "ba"}),
    "ұ": frozenset({"kk"}),
    "һ": frozenset({"kk", "tt", "ba"}),
    "ң": frozenset({"kk", "ky", "tt", "ba"}),
    "ө": frozenset({"kk", "ky", "tt", "ba", "mn"}),
    "ү": frozenset({"kk", "ky", "tt", "ba", "mn"}),
    "і": frozenset({"kk", "uk", "be"}),
    "ї": frozenset({"uk"}),
    "є": frozenset({"uk"}),
    "ґ": frozenset({"uk"}),
    # ы э rule out Ukrainian and the South Slavic languages (Uzbek and Tajik keep them
    # for Russian loanwords).
    "ы": frozenset({"ru", "be", "kk", "ky", "tt", "ba", "mn", "uz", "tg"}),
    "э": frozenset({"ru", "be", "kk", "ky", "tt", "ba", "mn", "uz", "tg"}),
    "ə": frozenset({"az"}),
    "ň": frozenset({"tk"}),
    "ý": frozenset({"tk", "cs", "sk", "is", "fo"}),
    "ž": frozenset({"tk", "cs", "sk", "sl", "hr", "bs", "sr", "lt", "lv"}),
    "ı": frozenset({"tr", "az", "crh", "tt"}),
}

# Short messages: words whose language a support team can be sure of. A value of None
# means the word says nothing (ok is written in every language).
_LEXICON: dict[str, str | None] = {
    # Uzbek, Latin (keys are normalised: apostrophes become ʻ / ʼ, then lower case).
    **dict.fromkeys(
        (
            "salom",
            "assalomu",
            "assalom",
            "alaykum",
            "aleykum",
            "rahmat",
            "raxmat",
            "katta",
            "xoʻp",
            "xop",
            "yoʻq",
            "xayr",
            "yaxshi",
            "zoʻr",
            "iltimos",
            "qachon",
            "qayerda",
            "nima",
            "qalaysiz",
            "qalesiz",
            "tushunarli",
            "mayli",
            "barakalla",
            "buyurtma",
            "buyurtmam",
            "kerak",
            "yordam",
        ),
        "uz-Latn",
    ),
    # Uzbek, Cyrillic (and the Russian-keyboard spellings).
    **dict.fromkeys(
        (
            "салом",
            "ассалому",
            "алайкум",
            "алейкум",
            "раҳмат",
            "рахмат",
            "хўп",
            "хоп",
            "йўқ",
            "хайр",
            "яхши",
            "зўр",
            "зур",
            "илтимос",
            "қачон",
            "качон",
            "қаерда",
            "каерда",
            "нима",
            "қалайсиз",
            "калайсиз",
            "тушунарли",
            "майли",
            "буюртма",
            "буюртмам",
            "керак",
            "ёрдам",
        ),
        "uz-Cyrl",
    ),
    **dict.fromkeys(
        (
            "спасибо",
            "спс",
            "благодарю",
            "привет",
            "здравствуйте",
            "здрасте",
            "добрый",
            "доброе",
            "день",
            "вечер",
            "утро",
            "пожалуйста",
            "да",
            "нет",
            "хорошо",
            "понятно",
            "ладно",
            "пока",
            "свидания",
            "алло",
            "ага",
            "жду",
            "когда",
            "где",
            "помогите",
        ),
        "ru",
    ),
    **dict.fromkeys(
        (
            "thanks",
            "thank",
            "thx",
            "you",
            "hello",
            "hi",
            "hey",
            "yes",
            "no",
            "please",
            "bye",
            "good",
            "morning",
            "evening",
            "great",
            "help",
        ),
        "en",
    ),
    **dict.fromkeys(("рақмет", "сәлем", "сәлеметсіз", "иә", "жоқ"), "kk"),
    **dict.fromkeys(("саламатсызбы", "ооба"), "ky"),
    **dict.fromkeys(("ташаккур", "раҳмат", "бале"), "tg"),
    **dict.fromkeys(("merhaba", "teşekkürler", "teşekkür", "evet", "hayır"), "tr"),
    **dict.fromkeys(("təşəkkür", "salamlar"), "az"),
    **dict.fromkeys(("дякую", "привіт", "вітаю", "будь", "ласка"), "uk"),
    **dict.fromkeys(("merci", "bonjour"), "fr"),
    **dict.fromkeys(("danke", "hallo"), "de"),
    **dict.fromkeys(("gracias", "hola"), "es"),
    **dict.fromkeys(("ok", "okay", "okey", "ок", "окей", "salam", "салам", "ha", "hm"), None),
}
# раҳмат is Tajik too, but in our markets Uzbek is by far the likelier writer.
_LEXICON["раҳмат"] = "uz-Cyrl"

_CLD_ALIASES = {"iw": "he", "jw": "jv", "zh-Hant": "zh", "sr-ME": "sr", "uzs": "uz"}


@cache
def _langid() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    # The model ships as float16; numpy has no fast float16 matrix product, so scoring
    # spends a third of its time converting. float32 costs 28 MB and gives the same
    # probabilities (checked on the benchmark messages: identical to the last bit).
    identifier.nb_ptc = identifier.nb_ptc.astype(np.float32)
    identifier._full_model = (identifier.nb_ptc, identifier.nb_pc, identifier.nb_classes)
    return identifier


def load() -> None:
    """Load the py3langid model now (it is otherwise loaded on first use, ~0.7 s)."""
    _langid()


def _primary(code: str) -> str:
    code = _CLD_ALIASES.get(code, code)
    return code.split("-")[0]


def _cld_scores(text: str) -> dict[str, float]:
    try:
        reliable, _, details = pycld2.detect(text, bestEffort=True)
    except pycld2.error:
        return {}
    weight = 1.0 if reliable else 0.6
    scores: dict[str, float] = {}
    for _, code, percent, _ in details:
        if percent and code not in ("un", "xxx") and not code.startswith("xx-"):
            scores[_primary(code)] = scores.get(_primary(code), 0.0) + weight * percent / 100.0
    return scores


def _langid_scores(text: str) -> dict[str, float]:
    identifier = _langid()
    # rank() sorts all 140 languages in Python; the five best are all we read, so take
    # them from the score vector (py3langid 0.4's _decide, the body of rank()).
    probabilities = identifier._decide(text)
    top = np.argpartition(probabilities, -5)[-5:]
    scores: dict[str, float] = {}
    for i in top:
        code = identifier.nb_classes[i]
        if code != "zxx":  # "no language" (code, markup)
            # Two codes may share a primary tag (uz, uzs): keep the likelier.
            scores[_primary(code)] = max(scores.get(_primary(code), 0.0), float(probabilities[i]))
    return scores


def _letter_candidates(text: str) -> frozenset[str] | None:
    candidates: frozenset[str] | None = None
    for letter, languages in _LETTER_LANGUAGES.items():
        if letter in text:
            narrowed = languages if candidates is None else candidates & languages
            if narrowed:  # contradictory letters (a quoted word) must not empty the set
                candidates = narrowed
    return candidates


def _lexicon_language(words: list[str]) -> Detection | None:
    """Read a message of one to three known words, or None when the lexicon cannot."""
    if not words or len(words) > 3 or any(word not in _LEXICON for word in words):
        return None
    named = {language for word in words if (language := _LEXICON[word])}
    if len(named) > 1:
        return None
    if not named:  # only "ok", "salam" and the like: no language to name
        return Detection(UNDETERMINED, None, 0.0)
    return Detection(named.pop(), None, 0.8)


def _with_script(language: str, script: str) -> str:
    if language == "uz":
        return f"uz-{script}" if script in ("Latn", "Cyrl", "Arab") else "uz"
    return language


def _detector_scores(text: str) -> dict[str, float]:
    scores: dict[str, float] = {}
    # py3langid walks the bytes in Python (~0.5 µs a byte): the opening of a long
    # e-mail is enough for it.
    langid = _langid_scores(text[:LANGID_CHARS])
    for source, weight in ((_cld_scores(text), _CLD_WEIGHT), (langid, _LANGID_WEIGHT)):
        for language, score in source.items():
            scores[language] = scores.get(language, 0.0) + score * weight
    return scores


def _vote(text: str, lowered: str, script: str) -> tuple[str, float]:
    scores = _detector_scores(text)
    for language, factor in _PRIOR.items():
        if language in scores:
            scores[language] = min(1.0, scores[language] * factor)
    candidates = _letter_candidates(lowered)
    evidence = _uzbek_latin_evidence(lowered) if script == "Latn" else 0
    if evidence == 2:
        candidates = frozenset({"uz"})
    elif evidence == 1 and "uz" in scores:
        scores["uz"] = min(1.0, scores["uz"] * 1.5)
    if candidates:
        narrowed = {lang: s for lang, s in scores.items() if lang in candidates}
        if not narrowed:
            # The letters are certain, the detectors had no idea: trust the letters.
            return sorted(candidates)[0], 0.6
        total = sum(narrowed.values())
        best = max(narrowed, key=lambda lang: narrowed[lang])
        return best, max(0.6, narrowed[best] / total) if total else 0.6
    if not scores:
        return UNDETERMINED, 0.0
    best = max(scores, key=lambda lang: scores[lang])
    return best, min(1.0, scores[best])


# oʻ / gʻ inside a word (after normalize_apostrophes) plus a typical Uzbek ending: no other
# Latin language writes both.
_UZ_LATIN = re.compile(r"[og]ʻ[a-z]")
_UZ_ENDINGS = re.compile(r"(?:lar|ning|dagi|ganman|yapman|yapti|moqchi|sizmi|miz|mi)\b")
# Without apostrophes CLD2 takes Uzbek for Creole or Indonesian. Two of these words or
# verb endings, and none of the letters of the other Turkic alphabets, settle it.
_UZ_MARKERS = re.compile(
    r"\b(?:qachon|kerak|iltimos|rahmat|raxmat|yaxshi|emas|bilan|uchun|lekin|juda|qanday"
    r"|qayerda|buyurtma\w*|assalomu|bormi|kelmadi|keladi|yoq|hozir|kecha|ertaga)\b"
    r"|\w(?:yapti|yapman|yapmiz|yapsiz|mayapti|moqchi\w*|ganman|gandim|dingiz|ingizni)\b"
)
_OTHER_TURKIC_LETTERS = re.compile("[əığşçöüäňýž]")


def _uzbek_latin_evidence(lowered: str) -> int:
    """2: certainly Uzbek; 1: one Uzbek word or ending; 0: nothing Uzbek-only."""
    if _UZ_LATIN.search(lowered) and _UZ_ENDINGS.search(lowered):
        return 2
    if _OTHER_TURKIC_LETTERS.search(lowered):
        return 0
    return min(2, len(_UZ_MARKERS.findall(lowered)))


def _dominant_script(counts: dict[str, int]) -> tuple[str | None, int]:
    if not counts:
        return None, 0
    script = max(counts, key=lambda name: counts[name])
    total = sum(counts.values())
    if script == "Hani" and (counts.get("Hira") or counts.get("Kana")):
        script = "Hira"
    return script, total


def _by_script(script: str, counts: dict[str, int], total: int) -> Detection | None:
    language = _SCRIPT_LANGUAGE.get(script)
    if language:
        return Detection(language, script, round(min(1.0, counts[script] / total), 3))
    if script == "Hani":
        return Detection("zh", "Hani", round(counts["Hani"] / total, 3))
    return None


def detect(text: str) -> Detection:
    """Detect the language of one message.

    Returns ``und`` (with the script, if there are letters) for text too short or too
    mixed to tell — one emoji, a number, a link, "ok" — so the caller can fall back to the
    conversation's language. Uzbek always carries its script: ``uz-Latn`` or ``uz-Cyrl``.
    A message mixing Latin and Cyrillic ("Buyurtmam kelmadi, срочно нужно") gets the
    language of its larger part.
    """
    # The opening of a long e-mail decides as well as all of it, at a fraction of the cost;
    # a lone surrogate (broken UTF-16 from a client) becomes U+FFFD instead of an error.
    text = text[:MAX_CHARS].encode("utf-8", "replace").decode("utf-8")
    clean = _NOISE.sub(" ", text)
    counts = script_counts(clean)
    mixed = _split_mixed(clean, counts)
    if mixed is not None:
        return mixed
    return _detect_clean(clean, counts)


def _detect_clean(clean: str, counts: dict[str, int]) -> Detection:
    script, total = _dominant_script(counts)
    if script is None:
        return Detection(UNDETERMINED, None, 0.0)
    fixed = _by_script(script, counts, total)
    if fixed is not None and total >= 2:
        return fixed
    # Rules read a folded copy; the detectors get the text as written, which is what
    # they were trained on.
    lowered = normalize_apostrophes(clean).casefold()
    known = _lexicon_language(_TOKEN.findall(lowered))
    if known is not None:
        return Detection(known.language, script, known.confidence)
    if total < MIN_LETTERS:
        return Detection(UNDETERMINED, script, 0.0)
    language, confidence = _vote(clean, lowered, script)
    needed = next((c for limit, c in _NEEDED_CONFIDENCE if total < limit), _MIN_CONFIDENCE)
    if language == UNDETERMINED or confidence < needed:
        return Detection(UNDETERMINED, script, round(confidence, 3))
    return Detection(_with_script(language, script), script, round(confidence, 3))


_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1effʻʼ'‘’`]+")
_CYRILLIC_WORD = re.compile(r"[\u0400-\u052f]+")


def _split_mixed(clean: str, counts: dict[str, int]) -> Detection | None:
    """Latin and Cyrillic in one message: detect each part, keep the larger decided one."""
    latin, cyrillic = counts.get("Latn", 0), counts.get("Cyrl", 0)
    if min(latin, cyrillic) < MIN_LETTERS or min(latin, cyrillic) < 0.2 * (latin + cyrillic):
        return None
    parts = [
        (" ".join(_LATIN_WORD.findall(clean)), {"Latn": latin}),
        (" ".join(_CYRILLIC_WORD.findall(clean)), {"Cyrl": cyrillic}),
    ]
    parts.sort(key=lambda part: -sum(part[1].values()))
    share = max(latin, cyrillic) / (latin + cyrillic)
    for part, part_counts in parts:
        found = _detect_clean(part, part_counts)
        if found.language != UNDETERMINED:
            return Detection(found.language, found.script, round(found.confidence * share, 3))
    return Detection(UNDETERMINED, "Latn" if latin >= cyrillic else "Cyrl", 0.0)
