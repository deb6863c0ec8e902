"""Personal data: cards (Luhn), phones, e-mail, passports and national numbers."""

import pytest

from javob.intelligence.pii import (
    Kind,
    Span,
    find,
    inn_valid,
    luhn_valid,
    mask,
    pinfl_valid,
    snils_valid,
)


def found(text: str) -> list[tuple[str, str]]:
    return [(str(span.kind), text[span.start : span.end]) for span in find(text)]


def test_luhn_accepts_valid_numbers_and_rejects_a_changed_digit() -> None:
    assert luhn_valid("4111111111111111") is True
    assert luhn_valid("4111111111111112") is False


@pytest.mark.parametrize(
    "card",
    [
        "8600 3104 7319 0015",
        "8600-3104-7319-0015",
        "8600310473190015",
        "9860 0001 2345 6782",
        "4111 1111 1111 1111",
    ],
)
def test_cards_in_any_grouping_are_found(card: str) -> None:
    # given a Luhn-valid UzCard / Humo / Visa number written several ways
    text = f"Kartam {card} edi"
    assert found(text) == [("card", card)]


def test_a_number_failing_luhn_is_not_a_card() -> None:
    assert found("Buyurtma 8600 3104 7319 0016") == []


@pytest.mark.parametrize(
    "phone",
    [
        "+998 90 123 45 67",
        "+998(90)123-45-67",
        "998901234567",
        "+998901234567",
        "90 123 45 67",
        "90-123-45-67",
        "(71) 200-12-34",
        "+7 912 345-67-89",
        "8 (912) 345-67-89",
        "+44 20 7946 0958",
    ],
)
def test_phone_numbers_in_uzbek_russian_and_international_formats(phone: str) -> None:
    assert found(f"Tel: {phone}, qo'ng'iroq qiling") == [("phone", phone)]


def test_nine_digits_without_an_operator_code_are_not_a_phone() -> None:
    assert found("Buyurtma raqami 123456789") == []


def test_email_addresses_including_cyrillic_text_around() -> None:
    text = "Почта: ali.valiyev+shop@mail.uz, спасибо"
    assert found(text) == [("email", "ali.valiyev+shop@mail.uz")]


def test_uzbek_passport_id_card_and_pinfl() -> None:
    text = "Pasport AA1234567, ID karta AD 7654321, JShShIR 31507976020031"
    assert found(text) == [
        ("passport", "AA1234567"),
        ("passport", "AD 7654321"),
        ("pinfl", "31507976020031"),
    ]


def test_pinfl_needs_a_real_birth_date() -> None:
    assert pinfl_valid("31507976020031") is True
    assert pinfl_valid("33213976020031") is False  # 32nd of December
    assert pinfl_valid("71507976020031") is False  # no such century digit
    assert found("Kod 33213976020031") == []


def test_russian_passport_snils_and_inn() -> None:
    text = "Паспорт 45 09 123456, СНИЛС 112-233-445 95, ИНН 7707083893"
    assert found(text) == [
        ("passport", "45 09 123456"),
        ("snils", "112-233-445 95"),
        ("inn", "7707083893"),
    ]


def test_checksums_of_snils_and_inn() -> None:
    assert (snils_valid("11223344595"), snils_valid("11223344596")) == (True, False)
    assert (inn_valid("7707083893"), inn_valid("7707083894")) == (True, False)
    assert (inn_valid("500100732259"), inn_valid("500100732258")) == (True, False)


def test_inn_and_stir_need_their_keyword() -> None:
    assert found("STIR: 301234567 va 7707083893") == [("inn", "301234567")]


def test_a_card_wins_over_the_phone_pattern_inside_it() -> None:
    spans = find("4111 1111 1111 1111")
    assert spans == [Span(0, 19, Kind.CARD)]


def test_mask_keeps_length_separators_and_the_last_four_card_digits() -> None:
    text = "Karta 8600 3104 7319 0015, tel +998 90 123 45 67, a@b.uz"
    masked = mask(text)
    assert masked == "Karta •••• •••• •••• 0015, tel +••• •• ••• •• ••, •@•.••"
    assert len(masked) == len(text)


def test_mask_with_given_spans_and_character() -> None:
    assert mask("AA1234567", [Span(0, 9, Kind.PASSPORT)], char="*") == "*********"


def test_text_without_personal_data_is_unchanged() -> None:
    text = "Salom! Buyurtmam 3 kundan beri kelmayapti 😡"
    assert (find(text), mask(text)) == ([], text)
