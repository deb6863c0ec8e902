#!/usr/bin/env python3
"""Chores on the message catalogs (javob/locale/<lang>/LC_MESSAGES/django.po).

    po_tool.py export LANG OUT.json     untranslated (and fuzzy) entries of LANG, as JSON
    po_tool.py import LANG IN.json      write translations from JSON: [{"id", "context",
                                        "str": "..." or ["singular", "plural", ...]}]
    po_tool.py english                  en: every msgstr is its msgid
    po_tool.py cyrillic                 uz_Cyrl: transliterate the uz (Latin) translation of
                                        every entry not translated yet, keeping placeholders,
                                        markup, code and product names as they are

Fuzzy entries (makemessages' guesses from similar strings) count as untranslated: export
lists them and import clears the flag. Run `make messages` afterwards to compile.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[1] / "javob" / "locale"


@dataclass
class Entry:
    comments: list[str] = field(default_factory=list)
    context: str | None = None
    msgid: str = ""
    plural: str | None = None
    msgstr: list[str] = field(default_factory=list)

    @property
    def fuzzy(self) -> bool:
        return any(c.startswith("#,") and "fuzzy" in c for c in self.comments)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr) and not self.fuzzy

    def unfuzz(self) -> None:
        kept = []
        for comment in self.comments:
            if comment.startswith("#,"):
                flags = [f.strip() for f in comment[2:].split(",") if f.strip() != "fuzzy"]
                if flags:
                    kept.append("#, " + ", ".join(flags))
            elif not comment.startswith("#|"):
                kept.append(comment)
        self.comments = kept


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(line: str) -> str:
    body = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    parts = escaped.split("\n")
    if len(parts) == 1:
        return f'"{escaped}"'
    lines = [p + "\\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return '""\n' + "\n".join(f'"{line}"' for line in lines)


def parse(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int] | None = None

    def flush() -> None:
        nonlocal entry
        if entry.msgstr or entry.msgid or entry.comments:
            entries.append(entry)
        entry = Entry()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
            target = None
        elif line.startswith("#"):
            if entry.msgstr:
                flush()
            entry.comments.append(raw)
        elif line.startswith("msgctxt "):
            entry.context, target = _unquote(line), ("context", 0)
        elif line.startswith("msgid_plural "):
            entry.plural, target = _unquote(line), ("plural", 0)
        elif line.startswith("msgid "):
            entry.msgid, target = _unquote(line), ("msgid", 0)
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            entry.msgstr.append(_unquote(line))
            target = ("msgstr", index)
        elif line.startswith("msgstr "):
            entry.msgstr, target = [_unquote(line)], ("msgstr", 0)
        elif line.startswith('"') and target is not None:
            name, index = target
            text = _unquote(line)
            if name == "msgstr":
                entry.msgstr[index] += text
            elif name == "context":
                entry.context = (entry.context or "") + text
            elif name == "plural":
                entry.plural = (entry.plural or "") + text
            else:
                entry.msgid += text
    flush()
    return entries


def write(path: Path, entries: list[Entry]) -> None:
    blocks = []
    for e in entries:
        lines = list(e.comments)
        if e.context is not None:
            lines.append("msgctxt " + _quote(e.context))
        lines.append("msgid " + _quote(e.msgid))
        if e.plural is not None:
            lines.append("msgid_plural " + _quote(e.plural))
            lines += [f"msgstr[{i}] " + _quote(s) for i, s in enumerate(e.msgstr)]
        else:
            lines.append("msgstr " + _quote(e.msgstr[0] if e.msgstr else ""))
        blocks.append("\n".join(lines))
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


def catalog(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def export(language: str, out: Path) -> None:
    todo = [
        {
            "id": e.msgid,
            "context": e.context,
            "plural": e.plural,
            "forms": len(e.msgstr),
            "where": " ".join(c[3:] for c in e.comments if c.startswith("#:"))[:200],
        }
        for e in parse(catalog(language))[1:]
        if not e.translated
    ]
    out.write_text(json.dumps(todo, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(todo)} entries to translate -> {out}")


def import_(language: str, source: Path) -> None:
    given = {(t.get("context"), t["id"]): t["str"] for t in json.loads(source.read_text())}
    entries = parse(catalog(language))
    done = 0
    for e in entries[1:]:
        text = given.get((e.context, e.msgid))
        if text is None:
            continue
        forms = [text] if isinstance(text, str) else list(text)
        if e.plural is not None and len(forms) < len(e.msgstr):
            forms += [forms[-1]] * (len(e.msgstr) - len(forms))
        e.msgstr = forms if e.plural is not None else forms[:1]
        e.unfuzz()
        done += 1
    write(catalog(language), entries)
    print(f"{done} of {len(given)} translations written to {catalog(language)}")


def english() -> None:
    entries = parse(catalog("en"))
    for e in entries[1:]:
        e.msgstr = [e.msgid] if e.plural is None else [e.msgid, e.plural]
        e.unfuzz()
    write(catalog("en"), entries)


# Kept as written when transliterating: placeholders, markup, code, addresses, names.
_KEEP = re.compile(
    r"%\([a-z_0-9]+\)[-+ #0-9.]*[a-zA-Z]|%[sd]|\{\{[^}]*\}\}|\{[a-z_0-9.]*\}|`[^`]*`|<[^>]+>"
    r"|&[a-z]+;|https?://\S+|http\(s\)|[\w.+-]+@[\w.-]+|\b[A-Z]{2,}[a-z]*\d*\b|\b[a-z]+_[a-z_]+\b"
    r"|\b[A-Z]-[A-Za-z-]+|\b\w+=\w+\b|\bemail\b|\b\d+(?:\.\d+)+[a-z]?\b"
    r"|\b(?:Telegram|WhatsApp|Instagram|Messenger|Email|Twilio|Eskiz|Play Mobile|"
    r"Zendesk|Chatwoot|Google|Gmail|Outlook|X|IMAP|SMTP|LMTP|TOTP|webhook|Webhook|Bearer|Meta|"
    r"Ctrl|Enter|Esc|Shift|OAuth|WebP|Account SID|Messaging Service SID|Markdown\w*)\b"
)


def to_cyrillic(text: str) -> str:
    from javob.intelligence.uzbek import to_cyrillic as convert

    out, last = [], 0
    for match in _KEEP.finditer(text):
        out.append(convert(text[last : match.start()]) if match.start() > last else "")
        out.append(match.group())
        last = match.end()
    out.append(convert(text[last:]) if last < len(text) else "")
    return "".join(out)


def cyrillic() -> None:
    latin = {(e.context, e.msgid): e for e in parse(catalog("uz"))[1:] if e.translated}
    entries = parse(catalog("uz_Cyrl"))
    done = 0
    for e in entries[1:]:
        source = latin.get((e.context, e.msgid))
        if source is None or e.translated:
            continue
        e.msgstr = [to_cyrillic(s) for s in source.msgstr]
        e.unfuzz()
        done += 1
    write(catalog("uz_Cyrl"), entries)
    print(f"{done} entries transliterated into {catalog('uz_Cyrl')}")


def main(argv: list[str]) -> int:
    match argv:
        case ["export", language, out]:
            export(language, Path(out))
        case ["import", language, source]:
            import_(language, Path(source))
        case ["english"]:
            english()
        case ["cyrillic"]:
            cyrillic()
        case _:
            print(__doc__, file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
