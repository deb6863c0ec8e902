"""Charsets as real mailboxes hold them: labelled, aliased, missing and lying."""

from __future__ import annotations

from pathlib import Path

import pytest

from javob.connectors.email import charsets
from javob.connectors.email.parse import ParsedMail, parse_mail

MAILS = Path(__file__).parent / "mails"
RUSSIAN = "Здравствуйте!\nМой заказ 123 не пришёл. Помогите, пожалуйста."


def parse(name: str) -> ParsedMail:
    return parse_mail((MAILS / name).read_bytes())


@pytest.mark.parametrize(
    ("name", "subject", "text"),
    [
        (
            "charset-iso-2022-jp.eml",
            "注文について",
            "お問い合わせありがとうございます。\n注文番号は１２３４５です。",
        ),
        ("charset-windows-1251-qp.eml", "Заказ №123", RUSSIAN),
        ("charset-koi8-r.eml", "Вопрос по доставке", RUSSIAN),
        (
            "charset-ks_c_5601-1987.eml",
            "배송 문의",
            "안녕하세요.\n주문한 상품이 아직 도착하지 않았습니다. 확인 부탁드립니다.",
        ),
        ("charset-gbk-labelled-gb2312.eml", "退货申请", "您好，我叫王喆。我想退货，谢谢。"),
        ("charset-utf8-label-lies-cp1251.eml", "Re: zakaz", RUSSIAN),
        ("charset-koi8-label-lies-cp1251.eml", "Re: zakaz", RUSSIAN),
        (
            "charset-missing-utf8.eml",
            "Buyurtma",
            "Ассалому алайкум! Буюртмам қачон етиб келади? Раҳмат.",
        ),
        (
            "charset-latin1-label-is-utf8.eml",
            "Savol",
            "Salom! Buyurtmam qachon yetib keladi? Oʻzbekiston, gʻalaba — rahmat.",
        ),
        (
            "charset-windows-1252-as-latin1.eml",
            "Invoice €120",
            "The invoice says €120 – I’d like a refund. Café crème.",
        ),
        ("charset-alias-win-1251.eml", "Счёт", "Пришлите счёт, пожалуйста."),
        ("headers-raw-8bit.eml", "Заказ №55 — не работает", "Приложение не открывается."),
        ("all-special-chars.eml", "Testovácí email", "íářčšáíéřášč"),
        ("quoted_printable.eml", "Český test", "Tohle je test českých písmen odeslaných z gmailu."),
    ],
)
def test_body_and_subject_decode_to_the_text_the_sender_wrote(
    name: str, subject: str, text: str
) -> None:
    # when a mail in that charset (or lying about it) is parsed
    mail = parse(name)
    # then subject and body read as written
    assert (mail.subject, mail.text) == (subject, text)


def test_raw_8bit_display_name_is_decoded() -> None:
    mail = parse("headers-raw-8bit.eml")
    assert (mail.from_.name, mail.from_.email) == ("Жасур Каримов", "jasur@example.uz")  # type: ignore[union-attr]


def test_encoded_words_split_mid_character_glued_and_with_unknown_charset() -> None:
    # given a subject whose multibyte letter is split over two encoded words, a language
    # suffix, a word glued to text, and a word in a charset nobody knows
    mail = parse("encoded-words-malformed.eml")
    # then the split letter is whole, whitespace between adjacent words is dropped (RFC 2047),
    # and the unknown charset is sniffed
    assert mail.subject == "Заказ пришёл не тот:x gluedcafé"
    assert mail.from_ is not None
    assert mail.from_.name == "Алишер Навоий"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("ks_c_5601-1987", "cp949"),
        ("GB2312", "gb18030"),
        ("gbk", "gb18030"),
        ("ISO-2022-JP", "iso2022_jp_ext"),
        ("win-1251", "cp1251"),
        ("Windows-1251", "cp1251"),
        ("cp-1252", "cp1252"),
        ("x-sjis", "cp932"),
        ("iso-8859-1", "cp1252"),
        ("us-ascii", "cp1252"),
        ("koi8-ru", "koi8-u"),
        ('"utf-8"', "utf-8"),
        ("utf-8*en", "utf-8"),
        ("unknown-8bit", None),
        ("zlib", None),
        ("rot13", None),
        ("unicode_escape", None),
        ("nonsense", None),
    ],
)
def test_labels_map_to_the_codec_senders_really_use_and_never_to_non_text_codecs(
    label: str, codec: str | None
) -> None:
    assert charsets.codec_for(label) == codec


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Привет, как дела? Всё хорошо, спасибо.", "cp1251"),
        ("Привет, как дела? Всё хорошо, спасибо.", "koi8_r"),
        ("こんにちは、元気ですか。注文の件です。", "cp932"),
        ("こんにちは、元気ですか。注文の件です。", "euc_jp"),
        ("こんにちは、元気ですか。注文の件です。", "iso2022_jp"),
        ("你好，我想退货。谢谢你们的帮助。", "gb18030"),
        ("안녕하세요 주문한 상품이 아직 도착하지 않았습니다", "cp949"),
        ("我們的產品很好，請聯繫我們的客服。謝謝您的支持！", "big5"),
        ("Salom, buyurtmam qani? Oʻzbekiston — ’", "utf-8"),
    ],
)
def test_sniffing_without_a_label_finds_the_language(text: str, codec: str) -> None:
    assert charsets.decode(text.encode(codec), None) == text


def test_undecodable_bytes_become_replacement_characters_never_an_error() -> None:
    assert charsets.decode(b"ok \xff\xfe\xfa", "utf-8").startswith("ok ")


def test_rfc2231_value_in_its_declared_charset() -> None:
    assert charsets.rfc2231_value(("windows-1251", "", "\xd1\xf7\xb8\xf2.txt")) == "Счёт.txt"
    assert charsets.rfc2231_value("=?utf-8?B?0KHRh9GR0YIucGRm?=") == "Счёт.pdf"


def test_base64_padded_on_every_line_keeps_every_line() -> None:
    assert charsets.b64decode_lenient(b"QUJDRA==\nRUY=\nR0hJSks=") == b"ABCDEFGHIJK"
    assert charsets.b64decode_lenient(b"QUJDRA") == b"ABCD"  # no padding at all
    assert charsets.b64decode_lenient(b"QUJ!DRA==") == b"ABCD"  # a stray character


def test_html_part_without_a_mime_charset_uses_its_meta_charset() -> None:
    html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
    body = html.encode() + "<p>Счёт оплачен</p>".encode("koi8_r")
    raw = b"From: a@example.com\r\nContent-Type: text/html\r\n\r\n" + body
    assert parse_mail(raw).text == "Счёт оплачен"


def test_raw_windows_1251_headers_and_a_utf16_body() -> None:
    head = "From: Иван Петров <ivan@example.ru>\r\nSubject: Счёт на оплату\r\n"
    raw = (
        head.encode("cp1251")
        + b"Content-Type: text/plain; charset=utf-16\r\n\r\n"
        + "Привет".encode("utf-16")
    )
    mail = parse_mail(raw)
    assert (mail.subject, mail.text) == ("Счёт на оплату", "Привет")
    assert mail.from_ is not None
    assert (mail.from_.name, mail.from_.email) == ("Иван Петров", "ivan@example.ru")


def test_encoded_word_whose_charset_lies() -> None:
    raw = b"From: a@example.com\r\nSubject: =?utf-8?B?0fe48g==?=\r\n\r\nx"  # CP1251 bytes
    assert parse_mail(raw).subject == "Счёт"


@pytest.mark.parametrize("codec", ["cp1251", "koi8_r"])
@pytest.mark.parametrize("label", ["iso-8859-1", "us-ascii", "windows-1252"])
def test_russian_under_a_western_label_is_read_as_russian(codec: str, label: str) -> None:
    text = "Здравствуйте! Мой заказ не пришёл. Помогите, пожалуйста."
    assert charsets.decode(text.encode(codec), label) == text


@pytest.mark.parametrize(
    "text",
    [
        "Das ist eine Größe für Männer, schöne Grüße aus Zürich.",
        "Où est la gare? Il était déjà là, très près. À bientôt, garçon.",
        "El niño está en la montaña. ¿Qué pasó? Mañana.",
        "Não sei, coração, açúcar, informação.",
        "Ærø og Å, smørrebrød på Nørrebro.",
    ],
)
def test_western_text_under_its_own_label_is_trusted(text: str) -> None:
    assert charsets.decode(text.encode("cp1252"), "iso-8859-1") == text
