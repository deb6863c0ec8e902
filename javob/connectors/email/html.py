"""Readable text from mail HTML, optionally without the quoted history clients mark up.

One pass of the stdlib's HTMLParser, fed in chunks so a time budget can stop it; nesting
depth is tracked with counters, never recursion, so thousands of nested elements cost
nothing special.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

_BLOCK = frozenset(
    {"address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt"}
    | {"fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5"}
    | {"h6", "header", "hr", "main", "nav", "ol", "p", "pre", "section", "table"}
    | {"tbody", "tfoot", "thead", "tr", "ul"}
)
_SKIP = frozenset({"script", "style", "title", "template", "noscript", "xml", "svg"})
# What may stand in <head>; any other element means the body has begun (as in a browser),
# so an unclosed <head> cannot hide the mail.
_HEAD_TAGS = frozenset({"meta", "link", "title", "style", "script", "base", "noscript", "xml"})
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr", "o:p"}
)
# Elements whose whole subtree is quoted history, or the sender's signature.
_QUOTE_CLASSES = (
    "gmail_quote",
    "yahoo_quoted",
    "moz-cite-prefix",
    "protonmail_quote",
    "zimbra_quoted",
    "gmail_signature",
    "moz-signature",
)
_SIGNATURE_IDS = ("signature",)  # Outlook on the web: <div id="Signature">
# Markers after which everything that follows is quoted history (Outlook puts the old
# message after the reply as siblings, not inside the marker).
_CUT_IDS = ("divrplyfwdmsg", "appendonsend", "stopspelling", "mail-editor-reference-message")
_OUTLOOK_BORDER = re.compile(r"border-top\s*:\s*solid\s+#(?:e1e1e1|b5c4df)", re.IGNORECASE)
_CHUNK = 128 * 1024
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
# Block boundaries are written as markers and resolved at the end, so that nested blocks
# (<div><div><p>) give one line break, not five: _BREAK ensures a new line, _PARAGRAPH an
# empty line between paragraphs; an explicit <br> is a line break of its own.
_BREAK = "\x00"
_PARAGRAPH = "\x01"
_MARKERS = re.compile("[\x00\x01][\x00\x01 \t\n\u00a0]*")
_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "pre"})
_INLINE_SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")


class _TextExtractor(HTMLParser):
    """Two texts in one pass: everything a reader sees, and the same without quoted history."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.full: list[str] = []
        self.visible: list[str] = []
        self.skip_depth = 0  # inside <script>, <style>, ...
        self.in_head = False
        # Inside a quoted subtree: only the quote's own tag is counted, so an unclosed <p>
        # inside it cannot swallow the rest of the mail.
        self.quote_tag = ""
        self.quote_depth = 0
        self.cut = False  # passed a marker after which everything is quoted history
        self.list_depth = 0

    def _emit(self, text: str) -> None:
        if self.skip_depth or self.in_head:
            return
        self.full.append(text)
        if not (self.quote_depth or self.cut):
            self.visible.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "head":
            self.in_head = True
            return
        if tag in _SKIP:
            self.skip_depth += 1
            return
        if tag not in _HEAD_TAGS:
            self.in_head = False
        if tag not in _VOID and not self.cut:
            if self.quote_depth:
                self.quote_depth += tag == self.quote_tag
            elif attrs and _starts_cut(tag, attrs):
                self.cut = True
            elif tag == "blockquote" or (attrs and _is_quote(tag, attrs)):
                self.quote_tag, self.quote_depth = tag, 1
        self._open(tag, attrs)

    def _open(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._emit("\n")
        elif tag == "li":
            self._emit(_BREAK + "  " * max(0, self.list_depth - 1) + "- ")
        elif tag in ("ul", "ol"):
            self.list_depth += 1
            self._emit(_PARAGRAPH)
        elif tag in ("td", "th"):
            self._emit(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self._emit(alt)
        elif tag in _PARAGRAPHS:
            self._emit(_PARAGRAPH)
        elif tag in _BLOCK:
            self._emit(_BREAK)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.in_head = False
            return
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if self.quote_depth:
            self.quote_depth -= tag == self.quote_tag
        if tag in ("ul", "ol"):
            self.list_depth = max(0, self.list_depth - 1)
        if tag in _PARAGRAPHS:
            self._emit(_PARAGRAPH)
        elif tag in _BLOCK:
            self._emit(_BREAK)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "hr" and _starts_cut(tag, attrs):
            self.cut = True
        self._open(tag, attrs)

    def handle_data(self, data: str) -> None:
        if _BREAK in data or _PARAGRAPH in data:  # the markers must only come from tags
            data = data.replace(_BREAK, "").replace(_PARAGRAPH, "")
        self._emit(data)


def _attr(attrs: list[tuple[str, str | None]], name: str) -> str:
    for key, value in attrs:
        if key == name:
            return (value or "").lower()
    return ""


def _is_quote(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    if tag == "blockquote":
        return True
    classes = _attr(attrs, "class")
    if any(marker in classes for marker in _QUOTE_CLASSES):
        return True
    return _attr(attrs, "id") in _SIGNATURE_IDS


def _starts_cut(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
    element_id = _attr(attrs, "id")
    if any(marker in element_id for marker in _CUT_IDS):
        return True
    if tag == "div" and _OUTLOOK_BORDER.search(_attr(attrs, "style")[:500]):
        return True
    return tag == "div" and "ms-outlook-mobile-reference-message" in _attr(attrs, "class")


def html_texts(html: str, *, deadline: float | None = None) -> tuple[str, str]:
    """The text a reader sees, and the same without quoted history, in one pass.

    Stops early (returning what it has) when `deadline` passes: a `time.thread_time()`
    value, CPU time, so a busy machine does not shrink the budget.
    """
    parser = _TextExtractor()
    for start in range(0, len(html), _CHUNK):
        if deadline is not None and time.thread_time() > deadline:
            break
        parser.feed(html[start : start + _CHUNK])
    else:
        parser.close()
    return tidy("".join(parser.full)), tidy("".join(parser.visible))


def html_to_text(html: str, *, drop_quotes: bool = False, deadline: float | None = None) -> str:
    """The text a reader sees; with `drop_quotes`, without the quoted history."""
    full, visible = html_texts(html, deadline=deadline)
    return visible if drop_quotes else full


def _resolve(match: re.Match[str]) -> str:
    run = match.group()
    if _PARAGRAPH in run or "\n" in run:
        return "\n\n"
    before = match.string[match.start() - 1] if match.start() else "\n"
    return "" if before == "\n" else "\n"


def tidy(text: str) -> str:
    """Collapse the whitespace HTML layout leaves: spaces inside lines, runs of blank lines."""
    text = _MARKERS.sub(_resolve, text)
    lines = [_INLINE_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()
