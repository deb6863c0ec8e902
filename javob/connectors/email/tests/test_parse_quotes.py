"""The visible reply: quoted history and signatures of every common client removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from javob.connectors.email.html import html_to_text
from javob.connectors.email.parse import parse_mail
from javob.connectors.email.quotes import visible_reply

MAILS = Path(__file__).parent / "mails"


@pytest.mark.parametrize(
    ("name", "reply"),
    [
        ("quote-gmail-en.eml", "Thanks, the new link works."),
        ("quote-gmail-ru.eml", "Спасибо, всё заработало!"),
        ("quote-gmail-uz.eml", "Rahmat, hammasi ishladi!"),
        (
            "quote-outlook-desktop-en.eml",
            "Hi,\n\nI still have not received the invoice.\n\nRegards,\nJohn",
        ),
        ("quote-outlook-ru.eml", "Добрый день!\nСчёт так и не пришёл.\n\nС уважением,\nИван"),
        ("quote-outlook-uz.eml", "Hisob hali ham kelmadi."),
        ("quote-outlook-original-message.eml", "Please reset my password too."),
        ("quote-outlook-web-html.eml", "The parcel arrived damaged. Photos follow."),
        ("quote-apple-mail-en.eml", "Size M, please."),
        ("quote-apple-mail-ru.eml", "Размер M, пожалуйста."),
        ("quote-thunderbird-en.eml", "Thank you, it is activated."),
        ("quote-thunderbird-ru.eml", "Спасибо, активировано."),
        ("quote-yandex.eml", "Деньги пока не вернулись."),
        ("quote-mailru.eml", "Жду возврат уже неделю."),
        ("quote-iphone-uz.eml", "Ha, shu manzilga yuboring."),
        ("quote-interleaved.eml", "The X200.\n\nIn March."),
        ("signature-dashes.eml", "Could you call me back tomorrow?"),
        ("signature-outlook-mobile.eml", "Yes, tomorrow works."),
        ("forwarded-inline-gmail.eml", "Please handle this one."),
        ("forwarded-message.eml", "This is email body"),
    ],
)
def test_reply_of_each_client(name: str, reply: str) -> None:
    # when a reply written in that client is parsed
    mail = parse_mail((MAILS / name).read_bytes())
    # then only what the customer wrote this time is left
    assert mail.reply_text == reply


@pytest.mark.parametrize(
    "name", ["quote-only-quoted.eml", "signature-only.eml", "utf-nondecodable.eml"]
)
def test_stripping_never_eats_the_whole_mail(name: str) -> None:
    # given a mail that is nothing but a quote, a phone signature or a forward
    mail = parse_mail((MAILS / name).read_bytes())
    # then the reply is the whole text rather than nothing
    assert mail.reply_text == mail.text
    assert mail.reply_text != ""


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("Ok\n\nОтправлено из мобильной Почты Mail.ru", "Ok"),
        ("Ok\n\nОтправлено с iPhone", "Ok"),
        ("Ok\n\nSamsung Galaxy smartfonimdan yuborildi", "Ok"),
        ("Ok\n\nSent from Yandex Mail for mobile", "Ok"),
        ("Ok\n\nСкачайте Outlook для Android", "Ok"),
        ("Ok\n\n---------- Пересылаемое сообщение ----------\nОт: x", "Ok"),
        ("Ok\n\n-------- Исходное сообщение --------\nОт: x", "Ok"),
        ("Ok\n\nBegin forwarded message:\n\nFrom: x", "Ok"),
        ("Ok\n\nНачало переадресованного сообщения:\n\nОт: x", "Ok"),
        ("Ok\n\n13.11.2023 15:00, Иван Петров написал:\n> a", "Ok"),
        ("Ok\n\n13 нояб. 2023 г., в 15:00, Ирина написала:\n> a", "Ok"),
        (
            "Ok\n\nВ понедельник, 13 ноября 2023 г. в 15:00 пользователь Ира <i@x.ru> пишет:\nа",
            "Ok",
        ),
        ("Ok\n\n2023-11-13 15:00 GMT+05:00, Ali <ali@x.uz>:\n> a", "Ok"),
        ("Ok\r\n\r\n> a\r\n", "Ok"),
        # Not quotes: a sentence that mentions writing, a line that ends with an address
        ("I wrote:\nthe order is late", "I wrote:\nthe order is late"),
        ("Send it to <bob@example.com>:\nthanks", "Send it to <bob@example.com>:\nthanks"),
        (
            "From: the warehouse, I think.\nTo be sure, ask.",
            "From: the warehouse, I think.\nTo be sure, ask.",
        ),
    ],
)
def test_visible_reply_patterns(text: str, reply: str) -> None:
    assert visible_reply(text) == reply


def test_html_quote_markup_is_dropped_before_the_text_is_read() -> None:
    html = (
        '<div>Reply <span>here</span></div><blockquote type="cite"><div>old<p>unclosed'
        "</div></blockquote><div>after the quote</div>"
        '<div class="yahoo_quoted">yahoo</div><div class="protonmail_quote">proton</div>'
    )
    assert html_to_text(html, drop_quotes=True) == "Reply here\nafter the quote"
    assert html_to_text(html) == "Reply here\nold\n\nunclosed\nafter the quote\nyahoo\nproton"


def test_outlook_border_div_cuts_the_rest() -> None:
    html = (
        '<p>New text</p><div style="border:none;border-top:solid #E1E1E1 1.0pt">'
        "<p><b>From:</b> x</p></div><p>old</p>"
    )
    assert html_to_text(html, drop_quotes=True) == "New text"


# --- pathological input: linear time (the budget makes it bounded even if not) -----------


def test_hundred_thousand_quote_lines() -> None:
    text = "Top\n" + "> quoted line\n" * 100_000
    assert visible_reply(text) == "Top"


def test_one_megabyte_single_line() -> None:
    line = "x" * 1_000_000
    assert visible_reply(line) == line
    wrote = "On " * 300_000 + "wrote:"
    assert visible_reply(wrote) == wrote


def test_attribution_like_lines_repeated() -> None:
    text = "Hi\n" + "From: a\n" * 50_000
    assert visible_reply(text) == text.strip()


def test_thousands_of_nested_quotes_in_html() -> None:
    html = "<div>Reply</div>" + "<blockquote>" * 20_000 + "deep" + "</blockquote>" * 20_000
    assert html_to_text(html, drop_quotes=True) == "Reply"
    assert html_to_text(html) == "Reply\ndeep"


def test_deadline_already_passed_keeps_the_text_whole() -> None:
    text = "Top\n> q\n" * 3000
    assert visible_reply(text, deadline=0.0) == text.strip()


def test_clear_signed_pgp_text_without_its_armor() -> None:
    text = (
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nPlease cancel order 12.\n"
        "- -- not a signature\n\nOn Mon, 13 Nov 2023 at 15:00, S <s@example.com> wrote:\n> old\n"
        "-----BEGIN PGP SIGNATURE-----\n\niQEzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----\n"
    )
    assert visible_reply(text) == "Please cancel order 12.\n-- not a signature"


@pytest.mark.parametrize(
    ("name", "reply"),
    [
        ("quote-gmail-en.eml", "Thanks, the new link works."),
        ("quote-gmail-ru.eml", "Спасибо, всё заработало!"),
        ("quote-gmail-uz.eml", "Rahmat, hammasi ishladi!"),
        (
            "quote-outlook-desktop-en.eml",
            "Hi,\nI still have not received the invoice.\nRegards,\nJohn",
        ),
        ("quote-apple-mail-en.eml", "Size M, please."),
        ("quote-thunderbird-en.eml", "Thank you, it is activated."),
        ("quote-mailru.eml", "Жду возврат уже неделю."),
    ],
)
def test_the_html_alternative_gives_the_same_reply(name: str, reply: str) -> None:
    # given a client's HTML part (used when a mail has no plain text)
    mail = parse_mail((MAILS / name).read_bytes())
    # then its quote markup is recognised as well as the plain text's
    assert visible_reply(html_to_text(mail.html, drop_quotes=True)) == reply


def test_html_signatures_are_not_part_of_the_reply() -> None:
    html = (
        '<div dir="ltr">Please call me.<br clear="all"><br>-- <br><div dir="ltr" '
        'class="gmail_signature">Anna<br>+998 90 123 45 67</div></div>'
        '<pre class="moz-signature" cols="72">Anna, Example LLC</pre>'
        '<div id="Signature"><p>Sent by Anna</p></div>'
    )
    assert visible_reply(html_to_text(html, drop_quotes=True)) == "Please call me."
