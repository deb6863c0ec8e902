"""Whatever bytes arrive, parse_mail answers with a ParsedMail or a ValueError: nothing else."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from javob.connectors.email.parse import ParsedMail, parse_mail, to_json

MAILS = sorted((Path(__file__).parent / "mails").glob("*.eml"))
SEEDS = [path.read_bytes() for path in MAILS]


def _parse_or_refuse(raw: bytes) -> None:
    try:
        mail = parse_mail(raw, budget_seconds=2.0)
    except ValueError:
        return
    assert isinstance(mail, ParsedMail)
    assert mail.size == len(raw)
    assert bool(mail.reply_text.strip()) == bool(mail.text.strip())  # never eats a reply
    to_json(mail)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(SEEDS),
    cuts=st.lists(st.tuples(st.integers(0, 20_000), st.binary(max_size=12)), max_size=6),
)
def test_mutated_real_mails_never_raise_anything_but_value_error(
    seed: bytes, cuts: list[tuple[int, bytes]]
) -> None:
    raw = bytearray(seed)
    for position, junk in cuts:
        at = position % (len(raw) + 1)
        raw[at : at + len(junk)] = junk
    _parse_or_refuse(bytes(raw))


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_value_error(raw: bytes) -> None:
    _parse_or_refuse(raw)


@settings(max_examples=100, deadline=None)
@given(
    header=st.sampled_from(["From", "To", "Cc", "Subject", "Content-Type", "Date", "References"]),
    value=st.text(max_size=200),
)
def test_arbitrary_header_values(header: str, value: str) -> None:
    raw = f"{header}: {value}\r\nContent-Type: text/plain\r\n\r\nbody".encode(
        "utf-8", "surrogateescape"
    )
    _parse_or_refuse(raw)
