"""Limits: size, time budget, hostile structure; and the `javob email parse` command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from javob.connectors.email.cli import parse_command
from javob.connectors.email.parse import MailTooLarge, parse_mail, to_json

MAILS = Path(__file__).parent / "mails"
HEAD = b"From: Ann <ann@example.com>\r\nSubject: t\r\nMessage-ID: <t@example.com>\r\n"


def test_a_mail_over_the_maximum_is_refused_before_parsing() -> None:
    raw = HEAD + b"\r\n" + b"x" * 200
    with pytest.raises(MailTooLarge, match=f"mail of {len(raw)} bytes exceeds the maximum of 100"):
        parse_mail(raw, max_bytes=100)
    assert parse_mail(raw, max_bytes=len(raw)).size == len(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty mail"),
        (b"  \r\n\r\n", "empty mail"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "no header fields"),
        (b"just some words\nand more", "no header fields"),
    ],
)
def test_bytes_that_are_not_a_mail_raise_value_error(raw: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_mail(raw)


def _nested(depth: int) -> bytes:
    raw = HEAD + b'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n'
    for level in range(1, depth):
        raw += b'--b%d\r\nContent-Type: multipart/mixed; boundary="b%d"\r\n\r\n' % (
            level - 1,
            level,
        )
    raw += b"--b%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n" % (depth - 1)
    for level in reversed(range(depth)):
        raw += b"--b%d--\r\n" % level
    return raw


def test_mime_nested_deeper_than_we_read_is_kept_as_an_attachment() -> None:
    mail = parse_mail(_nested(60))
    assert mail.text == ""
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("attachment-1.bin", "multipart/mixed")
    ]
    assert b"deep" in mail.attachments[0].content


def test_mime_nested_thousands_deep_keeps_headers_and_the_body_as_one_attachment() -> None:
    raw = _nested(3000)
    mail = parse_mail(raw)
    assert (mail.subject, mail.message_id, mail.text) == ("t", "t@example.com", "")
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("attachment-1.bin", "application/octet-stream")
    ]
    assert mail.attachments[0].size == len(raw) - raw.index(b"\r\n\r\n") - 4


def test_out_of_time_the_parts_not_read_are_kept_as_attachments() -> None:
    parts = b"".join(b"--p\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % n for n in range(3))
    raw = HEAD + b'Content-Type: multipart/mixed; boundary="p"\r\n\r\n' + parts + b"--p--\r\n"
    assert parse_mail(raw).text == "part 0\npart 1\npart 2"
    late = parse_mail(raw, budget_seconds=0)
    assert late.text == ""
    assert [(a.filename, a.content) for a in late.attachments] == [
        ("attachment-1.txt", b"part 0"),
        ("attachment-2.txt", b"part 1"),
        ("attachment-3.txt", b"part 2"),
    ]


def test_thousands_of_parts() -> None:
    parts = b"".join(
        b'--p\r\nContent-Type: image/gif; name="i%d.gif"\r\n\r\nGIF89a\r\n' % n for n in range(5000)
    )
    raw = HEAD + b'Content-Type: multipart/mixed; boundary="p"\r\n\r\n' + parts + b"--p--\r\n"
    mail = parse_mail(raw)
    assert len(mail.attachments) == 5000
    assert (mail.attachments[0].filename, mail.attachments[-1].filename) == ("i0.gif", "i4999.gif")


def _html_mail(html: str) -> bytes:
    return HEAD + b"Content-Type: text/html; charset=utf-8\r\n\r\n" + html.encode()


def test_hostile_html_thousands_of_nested_elements_and_links() -> None:
    nested = "<div>" * 10_000 + "inside" + "</div>" * 10_000
    links = '<a href="https://example.com/x">link</a> ' * 10_000
    mail = parse_mail(_html_mail("<p>Hello</p>" + nested + links))
    assert mail.text.startswith("Hello\n\ninside\nlink link")
    assert mail.text.count("link") == 10_000
    rendered = to_json(mail)["html"]
    assert isinstance(rendered, str)
    assert rendered.count('href="https://example.com/x"') == 10_000


def test_pathological_text_bodies() -> None:
    quoted = parse_mail(HEAD + b"\r\n" + b"Top\r\n" + b">\r\n" * 100_000)
    assert quoted.reply_text == "Top"
    line = b"y" * 1_000_000
    long_line = parse_mail(HEAD + b"\r\n" + line)
    assert (long_line.text, long_line.reply_text) == (line.decode(), line.decode())


def test_json_shape_of_the_parse_command() -> None:
    out = io.StringIO()
    assert parse_command(MAILS / "multipart-related-cid-image.eml", out=out) == 0
    printed = json.loads(out.getvalue())
    assert printed == {
        "message_id": "cid@example.com",
        "in_reply_to": [],
        "references": [],
        "subject": "Logo problem",
        "from": {"name": "Customer", "email": "customer@example.com"},
        "to": [{"name": "Support", "email": "support@javob.example"}],
        "cc": [],
        "date": "2023-11-13T05:00:00+00:00",
        "text": "The logo looks broken:\n[image: logo.png]",
        "html": (
            '<div>The logo looks <b>broken</b>:<br><img src="cid:logo@part" alt="logo.png"></div>'
        ),
        "reply_text": "The logo looks broken:\n[image: logo.png]",
        "attachments": [
            {
                "filename": "logo.png",
                "content_type": "image/png",
                "size": 70,
                "sha256": printed["attachments"][0]["sha256"],
                "inline": True,
            }
        ],
        "automated": {"is": False, "reason": ""},
        "bounce": None,
    }
    assert len(printed["attachments"][0]["sha256"]) == 64


def test_parse_command_sanitises_html_and_reports_bounces() -> None:
    out = io.StringIO()
    assert parse_command(MAILS / "html-only.eml", out=out) == 0
    html = json.loads(out.getvalue())["html"]
    assert "<script" not in html
    assert "alert(1)" not in html
    assert '<a href="https://shop.example/o/77" rel="noopener noreferrer nofollow">#77</a>' in html
    out = io.StringIO()
    parse_command(MAILS / "bounce-exim-plain.eml", out=out)
    assert json.loads(out.getvalue())["bounce"] == {
        "original_message_id": "conv-55.msg-3@javob.example",
        "reason": "550 5.1.1 User unknown",
        "permanent": True,
    }


def test_parse_command_fails_only_when_the_file_cannot_be_read(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert parse_command(tmp_path / "missing.eml", out=out, err=err) == 1
    assert (out.getvalue(), err.getvalue().startswith("Cannot read ")) == ("", True)
    junk = tmp_path / "junk.eml"
    junk.write_bytes(b"not a mail")
    assert parse_command(junk, out=out, err=err) == 0
    assert json.loads(out.getvalue()) == {
        "error": "no header fields: this is not an RFC 822 message",
        "size": 10,
    }
