"""MarkdownV2 escaping, the HTML subset and splitting at 4096 UTF-16 units."""

from __future__ import annotations

from javob.connectors.telegram.formatting import escape, html_to_markdown, split_text
from javob.connectors.telegram.outbound import unescape
from javob.connectors.telegram.tests.fake_telegram import unescaped_reserved


def test_every_reserved_character_is_escaped() -> None:
    reserved = "_*[]()~`>#+-=|{}.!\\"
    assert escape(reserved) == "".join("\\" + char for char in reserved)
    assert escape("Salom, o‘g‘il! Narx: 10.000 so'm") == "Salom, o‘g‘il\\! Narx: 10\\.000 so'm"
    assert unescaped_reserved(escape("a.b-c!d")) == ""
    assert unescape(escape("(a.b)-[c]\\")) == "(a.b)-[c]\\"


def test_html_becomes_markdown_with_escaped_text_code_and_urls() -> None:
    html = (
        "<p><strong>Diqqat</strong>: <em>yangi</em> <u>narx</u> <s>eski</s></p>"
        '<p><a href="https://x.uz/a_(b)">1.</a> <code>a`b\\c.</code></p>'
        "<pre><code>x*y = 2.</code></pre><ul><li>bir</li><li>ikki</li></ul>"
        "<script>alert(1)</script>"
    )
    assert html_to_markdown(html) == (
        "*Diqqat*: _yangi_ __narx__ ~eski~\n"
        "[1\\.](https://x.uz/a_(b\\)) `a\\`b\\\\c.`\n"
        "```\nx*y = 2.\n```\nbir\nikki\nalert\\(1\\)"
    )


def test_short_text_is_one_piece() -> None:
    assert split_text("  Salom!  ") == ["Salom!"]
    assert split_text("") == []


def test_long_text_splits_on_the_last_boundary_that_fits() -> None:
    line = "Buyurtma yo'lda. " * 10  # 170 characters
    text = (line.strip() + "\n") * 30  # 5,130 characters
    pieces = split_text(text, limit=4096)
    assert [len(piece) for piece in pieces] == [4079, 1019]
    assert pieces[0].endswith("Buyurtma yo'lda.")
    assert "\n".join(pieces) == text.strip()


def test_an_unbroken_run_is_cut_where_it_must_be() -> None:
    assert [len(piece) for piece in split_text("x" * 9000)] == [4096, 4096, 808]


def test_the_limit_counts_utf16_units() -> None:
    emoji = "😀" * 3000  # 6,000 UTF-16 units
    pieces = split_text(emoji)
    assert [len(piece) for piece in pieces] == [2048, 952]
