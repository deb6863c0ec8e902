"""Bytes to text for mail: charset labels as they really appear, sniffing when they lie,
RFC 2047 encoded words (also malformed ones) and RFC 2231 parameter values.

Nothing here raises on bad input: the worst case is text with U+FFFD in it.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re

# Labels seen in real mail that Python does not know, or knows as a narrower charset than
# the one the sending software actually used (the WHATWG encoding standard makes the same
# substitutions: a mail labelled ISO-8859-1 or US-ASCII is written in Windows-1252).
_ALIASES = {
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "korean": "cp949",
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "chinese": "gb18030",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "iso-2022-jp-2": "iso2022_jp_2",
    "koi8-ru": "koi8_u",
    "koi8": "koi8_r",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "iso-8859-8-i": "iso8859_8",
    "iso-8859-6-i": "iso8859_6",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
}
_WINDOWS = re.compile(r"(?:windows|win|cp|x-cp|ms)[-_ ]?(\d{3,4})")
# Labels that mean "nobody knows": go straight to sniffing.
_UNKNOWN = {"", "unknown-8bit", "x-unknown", "unknown", "default", "charset", "x-user-defined"}
# Text codecs that are not charsets at all and must never run on untrusted bytes.
_REFUSED = {"unicode_escape", "raw_unicode_escape", "idna", "punycode", "undefined", "mbcs"}
# Ranked by how often a label-less or lying mail is written in them in our markets.
_SNIFF_ORDER = (
    "utf-8",
    "cp1251",
    "koi8_r",
    "cp1252",
    "gb18030",
    "cp932",
    "euc_jis_2004",
    "cp949",
    "big5hkscs",
    "cp1254",
    "cp1250",
    "cp1253",
    "cp1255",
    "cp1256",
    "cp874",
)
_SNIFF_SAMPLE = 32 * 1024
_ESC_JIS = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(I", b"\x1b$(D")


def codec_for(label: str | None) -> str | None:
    """The Python codec for a MIME charset label, or None when the label is unknown/unsafe."""
    name = (label or "").strip().strip("\"'").lower()
    if "*" in name:  # RFC 2231 language suffix: utf-8*en
        name = name.split("*", 1)[0]
    if name in _UNKNOWN:
        return None
    name = _ALIASES.get(name, name)
    windows = _WINDOWS.fullmatch(name)
    if windows:
        name = "cp" + windows.group(1)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if not info._is_text_encoding or info.name.replace("-", "_") in _REFUSED:
        return None
    return info.name


def decode(data: bytes, label: str | None = None) -> str:
    """Decode mail bytes: the label (or its usual superset) when it fits, else the likeliest.

    NUL characters are dropped: no reader needs them and PostgreSQL refuses them in text.
    """
    text = _decode(data, label)
    return text.replace("\x00", "") if "\x00" in text else text


def _decode(data: bytes, label: str | None) -> str:
    if not data:
        return ""
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte order mark outranks any label
        return data[3:].decode("utf-8", "replace")
    if data.isascii() and b"\x1b" not in data:
        return data.decode("ascii")
    codec = codec_for(label)
    if codec is not None:
        text = _strict(data, codec)
        if text is not None and codec == "utf-8":
            return text  # valid UTF-8 with non-ASCII bytes is never an accident
        if text is not None and not _utf8_mislabelled(data, codec) and _plausible(text, codec):
            return text
    return sniff(data, prefer=codec)


def sniff(data: bytes, prefer: str | None = None) -> str:
    """The most plausible decoding of `data` among the label and a ranked list of codecs."""
    if b"\x1b" in data and any(marker in data for marker in _ESC_JIS):
        text = _strict(data, "iso2022_jp_ext")
        if text is not None:
            return text
    utf8 = _strict(data, "utf-8")
    if utf8 is not None:
        return utf8
    sample = data[:_SNIFF_SAMPLE]
    candidates = ([prefer] if prefer else []) + [c for c in _SNIFF_ORDER[1:] if c != prefer]
    best_codec, best_score = "", -1.0
    for codec in candidates:
        text = _strict(sample, codec, tolerate_tail=len(sample) < len(data))
        if text is None:
            continue
        score = plausibility(text) * _cjk_fit(text, codec)
        if score > best_score + 0.02:
            best_codec, best_score = codec, score
    if not best_codec:
        return data.decode("utf-8", "replace")
    return data.decode(best_codec, "replace")


def _strict(data: bytes, codec: str, *, tolerate_tail: bool = False) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        # A sample cut in the middle of a multibyte character is not evidence against it.
        if tolerate_tail and error.start >= len(data) - 4:
            return data[: error.start].decode(codec, "replace")
        return None
    except (LookupError, ValueError):
        return None


def _utf8_mislabelled(data: bytes, codec: str) -> bool:
    """A single-byte label on bytes that are valid, non-ASCII UTF-8: the label lies."""
    if codec in ("utf-8", "utf-7") or codec.startswith(("utf_16", "utf_32", "utf-16", "utf-32")):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _plausible(text: str, codec: str) -> bool:
    sample = text[:_SNIFF_SAMPLE]
    return plausibility(sample) >= 0.9 and _cjk_fit(sample, codec) >= 0.75


def _script(char: str) -> str:
    code = ord(char)
    if code < 0x370:  # with IPA letters and modifiers (Uzbek ʻ is U+02BB)
        return "latin"
    if 0x370 <= code < 0x400:
        return "greek"
    if 0x400 <= code < 0x530:
        return "cyrillic"
    if 0x590 <= code < 0x600:
        return "hebrew"
    if 0x600 <= code < 0x700:
        return "arabic"
    if 0xE00 <= code < 0xE80:
        return "thai"
    if 0x3040 <= code < 0x3100 or 0xFF60 <= code < 0xFFA0:
        return "kana"
    if 0x4E00 <= code < 0xA000 or 0x3400 <= code < 0x4DC0:
        return "han"
    if 0xAC00 <= code < 0xD7B0 or 0x1100 <= code < 0x1200:
        return "hangul"
    return "other"


_WORD = re.compile(r"[^\W\d_]+")
_ODD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff\u2500-\u25ff]")
# Not U+2018/U+2019 and friends: Uzbek writes o‘ and g‘ with them.
_SYMBOLS_INSIDE_WORD = re.compile(r"[^\W\d_][\xa1-\xbf\xd7\xf7\u2116][^\W\d_]")
_MIXABLE = {"kana", "han", "hangul"}


def plausibility(text: str) -> float:
    """1.0 for text that reads like a human language, lower for mojibake.

    Mojibake shows itself by control and box-drawing characters, symbols inside words, words
    mixing scripts (Latin and Cyrillic in one word) and case flipping inside a word
    ("пРИВЕТ", which is what Windows-1251 text read as KOI8-R looks like).
    """
    words = 0
    bad = 3 * len(_ODD.findall(text)) + 2 * len(_SYMBOLS_INSIDE_WORD.findall(text))
    for match in _WORD.finditer(text):
        word = match.group()
        if word.isascii():
            continue
        words += 1
        scripts = {_script(c) for c in word}
        mixed_scripts = len(scripts) > 1 and not scripts <= _MIXABLE
        cased = word.lower() != word.upper()
        flipped_case = cased and not (word.islower() or word.isupper() or word.istitle())
        bad += mixed_scripts or flipped_case
    units = max(1, words + len(text) // 40)
    return max(0.0, 1.0 - bad / units)


_CJK = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
_CJK_CODECS = {"gb18030", "big5hkscs", "cp932", "euc_jis_2004", "cp949"}


def _cjk_fit(text: str, codec: str) -> float:
    """How much the East Asian characters of `text` look like the language `codec` writes.

    Multibyte codecs decode each other's bytes without error (Korean bytes read as GBK give
    common Chinese characters), so the script mix decides: Japanese uses kana, Korean is
    Hangul with spaces between words, Chinese is common Han characters without spaces.
    """
    if codec not in _CJK_CODECS:
        return 1.0
    counts = {"kana": 0, "han": 0, "hangul": 0, "common_han": 0}
    counts["space"] = len(_SPACE_BETWEEN_CJK.findall(text))
    for char in text:
        script = _script(char)
        if script in ("kana", "han", "hangul"):
            counts[script] += 1
            if script == "han" and _common_chinese(char):
                counts["common_han"] += 1
    east_asian = counts["kana"] + counts["han"] + counts["hangul"]
    if east_asian < 4:
        return 1.0
    if codec in ("cp932", "euc_jis_2004"):
        return 0.5 + 0.5 * min(1.0, 4 * counts["kana"] / east_asian)
    if codec == "cp949":
        return 0.5 + 0.5 * counts["hangul"] / east_asian
    spaces = min(1.0, 4 * counts["space"] / (east_asian + counts["space"]))
    return 0.5 + 0.5 * (counts["common_han"] / east_asian) * (1.0 - spaces)


def _common_chinese(char: str) -> bool:
    """In GB2312 level 1: the 3,755 most frequent Chinese characters."""
    try:
        encoded = char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xD7


# --- RFC 2047 encoded words -------------------------------------------------------------

# Lenient on purpose: lower-case q/b, a language suffix, and the '?' or spaces that broken
# encoders leave inside the text. Bounded repetitions keep it linear.
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([qQbB])\?([^?]{0,2000}?)\?=")
_SPACES = re.compile(r"[ \t\r\n]+")


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words anywhere in a header value (unstructured text).

    Adjacent encoded words in one charset are joined as bytes before decoding, so a
    multibyte character split across two words survives; whitespace between encoded words
    is dropped as RFC 2047 says. Undecodable words are kept literally.
    """
    if "=?" not in value:
        return _SPACES.sub(" ", value.replace("\x00", "")).strip()
    pieces: list[str] = []
    pending: list[bytes] = []
    pending_charset: str | None = None
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        decoded = _word_bytes(match.group(2), match.group(3))
        if decoded is None:
            continue  # stays literal: it is part of the text before the next word
        between = value[position : match.start()]
        charset = match.group(1).lower()
        adjacent = bool(pending) and not between.strip()
        if adjacent and charset == pending_charset:
            pending.append(decoded)
        else:
            if pending:
                pieces.append(decode(b"".join(pending), pending_charset))
            if not adjacent:
                pieces.append(between)
            pending, pending_charset = [decoded], charset
        position = match.end()
    if pending:
        pieces.append(decode(b"".join(pending), pending_charset))
    pieces.append(value[position:])
    return _SPACES.sub(" ", "".join(pieces).replace("\x00", "")).strip()


def _word_bytes(kind: str, text: str) -> bytes | None:
    if kind in "qQ":
        return quopri.decodestring(text.replace("_", " ").encode("latin-1", "replace"), header=True)
    return b64decode_lenient(text.encode("ascii", "ignore"))


def b64decode_lenient(data: bytes) -> bytes | None:
    """Base64 with missing or excess padding and stray characters; None if nothing is left."""
    if b"=" in data.rstrip().rstrip(b"="):
        # Padding inside: some encoders pad every line. The stdlib stops at the first pad.
        pieces = [_b64_one(line) for line in data.split()]
        return b"".join(piece for piece in pieces if piece) or None
    return _b64_one(data)


def _b64_one(data: bytes) -> bytes | None:
    try:
        return base64.b64decode(data)  # skips line breaks and stray characters by itself
    except (binascii.Error, ValueError):
        pass  # broken padding: clean up and pad
    cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned)
    except (binascii.Error, ValueError):
        return None


def header_text(raw: str) -> str:
    """A header value as the parser stores it (8-bit bytes as surrogates) to clean text."""
    try:
        raw.encode("ascii")
    except UnicodeEncodeError:
        try:
            data = raw.encode("ascii", "surrogateescape")
        except UnicodeEncodeError:
            data = raw.encode("utf-8", "surrogateescape")
        raw = decode(data, "utf-8")
    return decode_words(raw)


def rfc2231_value(value: str | tuple[str | None, str | None, str]) -> str:
    """A MIME parameter value from `Message.get_param`: RFC 2231 tuples decoded in their
    charset, plain values with encoded words (Outlook's filename="=?utf-8?B?...?=") decoded."""
    if isinstance(value, tuple):
        charset, _language, text = value
        data = text.encode("latin-1", "surrogateescape") if _latin1_safe(text) else None
        if data is None:
            return text
        return decode(data, charset or "utf-8")
    return header_text(value.strip('"'))


def _latin1_safe(text: str) -> bool:
    try:
        text.encode("latin-1", "surrogateescape")
    except UnicodeEncodeError:
        return False
    return True
