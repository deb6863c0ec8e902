"""Agent replies as Telegram text: MarkdownV2 escaping, a small HTML subset, and splitting.

Telegram takes at most 4096 characters per message (counted after entity parsing, in UTF-16
code units). Long replies are split on paragraph, line, sentence or word boundaries first,
and each piece is escaped on its own, so an escape sequence is never cut in half.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

MAX_MESSAGE = 4096
# Every character MarkdownV2 gives a meaning outside code: escaped with a backslash.
_SPECIAL = re.compile(r"([_*\[\]()~`>#+\-=|{}.!\\])")
_CODE_SPECIAL = re.compile(r"([`\\])")
_URL_SPECIAL = re.compile(r"([)\\])")
_MARKS = {"b": "*", "strong": "*", "i": "_", "em": "_", "u": "__", "s": "~", "del": "~"}


def escape(text: str) -> str:
    """Text shown literally under parse_mode MarkdownV2."""
    return _SPECIAL.sub(r"\\\1", text)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Pieces of at most `limit` UTF-16 units, cut at the last paragraph break, line break,
    sentence end or space that fits; a single unbroken run is cut where it must be."""
    pieces: list[str] = []
    rest = text.strip()
    while utf16_length(rest) > limit:
        head = _fit(rest, limit)
        cut = _boundary(head)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _fit(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def _boundary(head: str) -> int:
    floor = len(head) // 2  # never cut a piece shorter than half the limit
    for pattern in ("\n\n", "\n", ". ", "! ", "? ", " "):
        at = head.rfind(pattern)
        if at >= floor:
            return at + len(pattern)
    return len(head)


class _ToMarkdown(HTMLParser):
    """The sanitised HTML of a reply as MarkdownV2: bold, italic, underline, strike, code,
    pre and links; every other tag keeps only its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.code = False
        self.pre = False
        self.links: list[str] = []

    @property
    def verbatim(self) -> bool:
        return self.code or self.pre

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre" and not self.pre:
            self.out.append("```\n")
            self.pre = True
        elif self.verbatim:
            return
        elif tag in _MARKS:
            self.out.append(_MARKS[tag])
        elif tag == "code":
            self.out.append("`")
            self.code = True
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.links.append(href)
            self.out.append("[" if href else "")
        elif tag == "br":
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre" and self.pre:
            self.out.append("\n```\n")
            self.pre = False
        elif tag == "code" and self.code:
            self.out.append("`")
            self.code = False
        elif self.verbatim:
            return
        elif tag in _MARKS:
            self.out.append(_MARKS[tag])
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href:
                self.out.append("](" + _URL_SPECIAL.sub(r"\\\1", href) + ")")
        elif tag in ("p", "div", "li"):
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        self.out.append(_CODE_SPECIAL.sub(r"\\\1", data) if self.verbatim else escape(data))


def html_to_markdown(html: str) -> str:
    parser = _ToMarkdown()
    parser.feed(html)
    parser.close()
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.out)).strip()
