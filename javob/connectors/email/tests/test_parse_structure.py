"""MIME structure, transfer encodings, attachments, headers and the sender's identity."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from javob.connectors.email.parse import Address, ParsedAttachment, ParsedMail, parse_mail

MAILS = Path(__file__).parent / "mails"


def parse(name: str) -> ParsedMail:
    return parse_mail((MAILS / name).read_bytes())


def names(mail: ParsedMail) -> list[tuple[str, str, int, bool, str]]:
    return [(a.filename, a.content_type, a.size, a.inline, a.content_id) for a in mail.attachments]


# --- identity ---------------------------------------------------------------------------


def test_encoded_word_inside_the_address_stays_the_literal_address() -> None:
    # given From: =?utf-8?Q?attacker?Q?agent?=@victim.example and Reply-To the agent
    mail = parse("spoofed-encoded-word-address.eml")
    # then the contact is that odd literal address, never agent@victim.example
    assert mail.from_ == Address("", "=?utf-8?Q?attacker?Q?agent?=@victim.example")
    assert mail.reply_to == (Address("", "agent@victim.example"),)


def test_only_the_first_from_address_counts_and_a_display_name_is_only_a_name() -> None:
    # given a display name that decodes to an agent's address, a second From address,
    # a Reply-To elsewhere and Cc with a quoted comma
    mail = parse("spoofed-display-name.eml")
    # then the sender is the real address (domain lower-cased, local part as written)
    assert mail.from_ == Address("agent@victim.example", "attacker@evil.example")
    assert mail.reply_to == (Address("Support", "support@victim.example"),)
    assert mail.cc == (
        Address("Doe, John", "John.Doe@example.com"),
        Address("", "jane@example.com"),
    )


def test_headers_of_a_thunderbird_reply() -> None:
    mail = parse("utf-nondecodable.eml")
    assert mail.message_id == "00d73ce5-774a-5ea1-6742-af73ef58c01c@example.cz"
    assert mail.in_reply_to == (
        "CAK0Q_=uQY=3V5iUSgEN16GLtYoJ-6oQu-vYjsgQ=jv6DwOkuLQ@mail.gmail.com",
    )
    assert mail.references == mail.in_reply_to
    assert mail.subject == "Fwd: Cyklozaměstnavatel - změna vyhodnocení"
    assert mail.date == datetime(2020, 1, 21, 12, 28, 46, tzinfo=UTC)
    assert mail.to == (Address("", "helpdesk@example.cz"),)
    assert mail.headers["delivered-to"] == "helpdesk@example.cz"
    assert mail.size == len((MAILS / "utf-nondecodable.eml").read_bytes())


def test_missing_message_id_subject_and_date_degrade_to_empty_and_received_time() -> None:
    mail = parse("headers-missing.eml")
    assert (mail.message_id, mail.subject, mail.in_reply_to) == ("", "", ())
    assert mail.date == datetime(2023, 11, 14, 5, 30, tzinfo=UTC)
    assert mail.from_ == Address("", "someone@example.com")
    assert mail.text == "no subject, no date"


def test_address_forms_outside_rfc5322_still_give_the_address() -> None:
    raw = (
        b'From: john@example.com <john@example.com>\r\nTo: "unbalanced <a@example.com>\r\n'
        b"Cc: <b@Example.com>, broken, c@example.com\r\nDate: 13 Nov 2023 10:00:00\r\n\r\nx"
    )
    mail = parse_mail(raw)
    assert mail.from_ == Address("john@example.com", "john@example.com")
    assert mail.to == (Address("unbalanced", "a@example.com"),)
    assert mail.cc == (Address("", "b@example.com"), Address("", "c@example.com"))
    assert mail.date == datetime(2023, 11, 13, 10, 0, tzinfo=UTC)  # no zone: read as UTC


def test_references_keep_the_root_and_the_latest_hundred() -> None:
    ids = " ".join(f"<m{n}@example.com>" for n in range(500))
    mail = parse_mail(f"From: a@example.com\r\nReferences: {ids}\r\n\r\nx".encode())
    assert len(mail.references) == 100
    assert (mail.references[0], mail.references[1], mail.references[-1]) == (
        "m0@example.com",
        "m401@example.com",
        "m499@example.com",
    )


def test_in_reply_to_with_comments_and_a_bare_message_id() -> None:
    raw = (
        b"From: a@example.com\r\nMessage-ID: bare-id@example.com\r\n"
        b"In-Reply-To: <x1@example.com> (Ann's message of Mon)\r\n\r\nx"
    )
    mail = parse_mail(raw)
    assert (mail.message_id, mail.in_reply_to) == ("bare-id@example.com", ("x1@example.com",))


def test_kept_headers_for_loop_detection() -> None:
    mail = parse("x-javob-headers.eml")
    assert dict(mail.headers) == {
        "return-path": "<customer@example.com>",
        "x-javob-conversation": "1234",
        "x-javob-inbox": "7",
        "auto-submitted": "auto-replied",
        "x-loop": "javob@other.example",
        "delivered-to": "a@javob.example, b@javob.example",
        "content-type": 'text/plain; charset="UTF-8"',
    }


# --- bodies and encodings ---------------------------------------------------------------


def test_base64_with_broken_padding_and_stray_characters() -> None:
    assert parse("base64-broken-padding.eml").text == "Hello team,\nthe export fails with error 42."


def test_text_labelled_base64_that_is_not_base64_is_kept_as_written() -> None:
    assert parse("base64-mislabelled-plain.eml").text == (
        "Hello, this was never base64.\nThanks, Ann"
    )


def test_quoted_printable_soft_breaks_escapes_and_an_invalid_escape() -> None:
    assert parse("quoted-printable-soft-breaks.eml").text == (
        "A very long line that the sender's client wrapped with a soft line break; "
        "2+2=4; Привет; broken =ZZ stays."
    )


def test_uuencoded_file_in_a_text_body_becomes_an_attachment() -> None:
    mail = parse("uuencode-in-body.eml")
    assert mail.text == "Here is the report.\n\nRegards, Bob"
    assert mail.attachments == (
        ParsedAttachment("report.csv", "text/csv", b"id,amount\n1,100\n2,250\n", False, ""),
    )


def test_several_text_parts_are_all_kept_in_order_around_an_inline_image() -> None:
    mail = parse("multipart-several-text-parts.eml")
    assert mail.text == "First look at this:\nAnd then this happens — twice."
    assert mail.html == ""
    assert names(mail) == [("screen.png", "image/png", 70, True, "")]


def test_alternative_with_related_html_and_a_cid_image() -> None:
    mail = parse("multipart-related-cid-image.eml")
    assert mail.text == "The logo looks broken:\n[image: logo.png]"
    assert mail.html == (
        '<div>The logo looks <b>broken</b>:<br><img src="cid:logo@part" alt="logo.png"></div>'
    )
    assert names(mail) == [("logo.png", "image/png", 70, True, "logo@part")]
    assert mail.attachments[0].content.startswith(b"\x89PNG")
    assert mail.attachments[0].sha256 == hashlib.sha256(mail.attachments[0].content).hexdigest()


def test_html_only_mail_gets_text_derived_from_its_html_and_keeps_the_original() -> None:
    mail = parse("html-only.eml")
    assert (
        mail.text == "Hello,\n\nMy order #77 & the refund:\n\n- item one\n- item two\n\nTotal $12"
    )
    assert mail.html.startswith("<html><head><style>p{color:red}</style><script>alert(1)")


def test_calendar_alternative_becomes_an_attachment() -> None:
    mail = parse("calendar-invite.eml")
    assert (mail.text, mail.html) == (
        "Call on Tuesday at 10:00.",
        "<p>Call on <b>Tuesday</b> at 10:00.</p>",
    )
    assert names(mail) == [("invite.ics", "text/calendar", 46, False, "")]


def test_truncated_multipart_keeps_what_arrived() -> None:
    mail = parse("multipart-truncated.eml")
    assert mail.text == "First part survives."
    assert names(mail) == [("cut.pdf", "application/pdf", 7, False, "")]


def test_blank_body_with_an_attachment() -> None:
    mail = parse("blank-body-with-attachment.eml")
    assert (mail.text, mail.html, mail.reply_text) == ("", "", "")
    assert names(mail) == [("baf", "text/plain", 24, False, "")]


# --- attachments ------------------------------------------------------------------------


def test_attachment_names_in_every_encoding_and_without_directories() -> None:
    mail = parse("attachment-names-rfc2231.eml")
    assert mail.text == "Files attached."
    assert names(mail) == [
        ("Договор №5.pdf", "application/pdf", 9, False, ""),  # RFC 2231 continuations
        ("Ҳисобот.xls", "application/vnd.ms-excel", 3, False, ""),  # Outlook's encoded word
        ("Счёт.txt", "text/plain", 5, False, ""),  # RFC 2231 in windows-1251
        ("passwd", "application/octet-stream", 4, False, ""),  # "../../etc/passwd"
        ("attachment-5.jpg", "image/jpeg", 3, False, ""),  # no name at all
    ]


def test_raw_utf8_attachment_name() -> None:
    mail = parse("attachment-name-raw-8bit.eml")
    assert names(mail) == [("Шартнома №2.pdf", "application/pdf", 9, False, "")]


def test_forwarded_message_part_is_attached_and_its_text_shown_below_the_reply() -> None:
    mail = parse("forwarded-as-attachment.eml")
    assert mail.text == (
        "See the customer mail below.\n"
        "---------- Forwarded message ----------\n"
        "From: Dilnoza <dilnoza@example.uz>\n"
        "Date: Sun, 12 Nov 2023 09:00:00 +0500\n"
        "Subject: Hisob-faktura xato\n"
        "To: sales@javob.example\n\n"
        "Hisob-fakturada summa noto‘g‘ri."
    )
    assert mail.reply_text == "See the customer mail below."
    assert names(mail) == [("Hisob-faktura xato.eml", "message/rfc822", 251, False, "")]
    assert mail.attachments[0].content.startswith(b"From: Dilnoza <dilnoza@example.uz>")


def test_pgp_signed_mail_keeps_the_signature_as_an_attachment() -> None:
    mail = parse("pgp.eml")
    assert mail.text.startswith("hi, thanks for looking into this :)")
    assert names(mail) == [("signature.asc", "application/pgp-signature", 801, False, "")]


def test_pgp_encrypted_mail_is_kept_whole_as_attachments() -> None:
    mail = parse("pgp-encrypted.eml")
    assert mail.text == ""
    assert names(mail) == [
        ("pgp-version.txt", "application/pgp-encrypted", 12, False, ""),
        ("encrypted.asc", "application/octet-stream", 67, True, ""),
    ]


def test_smime_signed_and_encrypted() -> None:
    signed = parse("smime-signed.eml")
    assert signed.text == "This message is signed."
    assert names(signed) == [("smime.p7s", "application/pkcs7-signature", 52, False, "")]
    encrypted = parse("smime-encrypted.eml")
    assert encrypted.text == ""
    assert names(encrypted) == [("smime.p7m", "application/pkcs7-mime", 23, False, "")]


def test_empty_plain_alternative_does_not_hide_the_html_text() -> None:
    raw = (
        b'From: a@example.com\r\nContent-Type: multipart/alternative; boundary="a"\r\n\r\n'
        b"--a\r\nContent-Type: text/plain\r\n\r\n \r\n"
        b"--a\r\nContent-Type: text/html\r\n\r\n<p>Real text</p>\r\n--a--\r\n"
    )
    mail = parse_mail(raw)
    assert (mail.text, mail.html, mail.reply_text) == ("Real text", "<p>Real text</p>", "Real text")


def test_format_flowed_lines_are_joined_per_quote_depth() -> None:
    raw = (
        b"From: a@example.com\r\nContent-Type: text/plain; charset=utf-8; format=flowed\r\n\r\n"
        b"This paragraph was \r\nwrapped by the client.\r\n \r\n>> An old \r\n>> quote.\r\n"
        b"-- \r\nSig\r\n"
    )
    mail = parse_mail(raw)
    assert mail.text == ("This paragraph was wrapped by the client.\n\n>> An old quote.\n-- \nSig")
    assert mail.reply_text == "This paragraph was wrapped by the client."


def test_a_from_that_is_only_an_encoded_address_gives_no_sender() -> None:
    # =?utf-8?B?...?= decodes to "agent@victim.example": a display name without an address
    raw = b"From: =?utf-8?B?YWdlbnRAdmljdGltLmV4YW1wbGU=?=\r\n\r\nx"
    assert parse_mail(raw).from_ is None


def test_quoted_local_part_stays_literal() -> None:
    raw = b'From: "agent@victim.example"@evil.example\r\n\r\nx'
    assert parse_mail(raw).from_ == Address("", '"agent@victim.example"@evil.example')


def test_nul_characters_never_reach_the_text_and_a_bom_is_dropped() -> None:
    raw = (
        b"From: Ann\x00 <ann@example.com>\r\nSubject: a\x00b =?utf-8?q?c=00d?=\r\n"
        b'Content-Type: multipart/alternative; boundary="a"\r\n\r\n'
        b"--a\r\nContent-Type: text/plain; charset=windows-1251\r\n\r\n\xef\xbb\xbfHi\x00!\r\n"
        b"--a\r\nContent-Type: text/html\r\n\r\n<p>Hi\x00\x01!</p>\r\n--a--\r\n"
    )
    mail = parse_mail(raw)
    assert (mail.subject, mail.text, mail.reply_text) == ("ab cd", "Hi!", "Hi!")
    assert mail.from_ == Address("Ann", "ann@example.com")
    assert "\x00" not in mail.html


def test_an_image_shown_through_cid_is_inline_even_when_marked_as_attachment() -> None:
    raw = (
        b'From: a@example.com\r\nContent-Type: multipart/related; boundary="r"\r\n\r\n'
        b'--r\r\nContent-Type: text/html\r\n\r\n<p>Logo: <img src="cid:Image001.PNG@01DA"></p>\r\n'
        b"--r\r\nContent-Type: image/png; name=image001.png\r\n"
        b"Content-Disposition: attachment; filename=image001.png\r\n"
        b"Content-ID: <image001.png@01DA>\r\n\r\nPNG\r\n"
        b"--r\r\nContent-Type: application/pdf; name=a.pdf\r\n"
        b"Content-Disposition: attachment; filename=a.pdf\r\nContent-ID: <a@01DA>\r\n\r\n%PDF\r\n"
        b"--r--\r\n"
    )
    assert names(parse_mail(raw)) == [
        ("image001.png", "image/png", 3, True, "image001.png@01DA"),
        ("a.pdf", "application/pdf", 4, False, "a@01DA"),
    ]
