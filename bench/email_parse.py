#!/usr/bin/env python
"""Mail parsing benchmark: raw RFC 822 bytes to `ParsedMail`, per mail, on one core.

Corpus: every fixture in javob/connectors/email/tests/mails/ (charsets, clients' quoting,
attachments, bounces, automated mail; 0.4-9 KB each), repeated and shuffled, plus a few
large and hostile mails measured on their own rows:
- a 5 MB PDF attachment (base64), a 1 MB HTML newsletter, 10,000 nested <div>s with 10,000
  links, 100,000 quoted lines.

Prints a Markdown table: mails per second of wall time and per second of the thread's CPU
time (what a loaded machine cannot inflate), p50 / p99 / max latency (wall) and p50 / p99 of
CPU time, for `parse_mail` alone and for `parse_mail` + `to_json` (which sanitises the HTML).
No database and no Django set-up: the parser is pure Python over bytes.
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import median, percentile, print_table
from javob.connectors.email.parse import parse_mail, to_json

MAILS = Path(__file__).resolve().parent.parent / "javob/connectors/email/tests/mails"
HEAD = (
    b"From: Ann <ann@example.com>\r\nTo: support@javob.example\r\nSubject: big\r\n"
    b"Message-ID: <big@example.com>\r\nDate: Mon, 13 Nov 2023 10:00:00 +0000\r\n"
)


def corpus(rounds: int, seed: int) -> list[bytes]:
    mails = [path.read_bytes() for path in sorted(MAILS.glob("*.eml"))]
    mixed = mails * rounds
    random.Random(seed).shuffle(mixed)
    return mixed


def large_mails() -> dict[str, bytes]:
    pdf = base64.encodebytes(random.Random(1).randbytes(5 * 1024 * 1024))
    attachment = (
        HEAD + b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\n"
        b'Content-Type: application/pdf; name="big.pdf"\r\nContent-Transfer-Encoding: base64'
        b"\r\n\r\n" + pdf + b"\r\n--b--\r\n"
    )
    row = '<tr><td><a href="https://shop.example/p/{n}">Product {n}</a></td><td>$9</td></tr>'
    newsletter = "<table>" + "".join(row.format(n=n) for n in range(12_000)) + "</table>"
    hostile = "<div>" * 10_000 + "x" + "</div>" * 10_000 + '<a href="https://e.x/">l</a>' * 10_000
    html = HEAD + b"Content-Type: text/html; charset=utf-8\r\n\r\n"
    return {
        "5 MB PDF attachment": attachment,
        f"{len(newsletter) // 1024} KB HTML newsletter": html + newsletter.encode(),
        "10k nested divs + 10k links": html + hostile.encode(),
        "100k quoted lines": HEAD + b"\r\nTop\r\n" + b"> quoted\r\n" * 100_000,
    }


def measure(mails: list[bytes], work: Callable[[bytes], object]) -> list[object]:
    walls: list[float] = []
    cpus: list[float] = []
    start = time.perf_counter()
    for raw in mails:
        wall, cpu = time.perf_counter(), time.thread_time()
        work(raw)
        cpus.append(time.thread_time() - cpu)
        walls.append(time.perf_counter() - wall)
    total = time.perf_counter() - start
    ms = 1000.0
    return [
        len(mails),
        f"{len(mails) / total:,.0f}",
        f"{len(mails) / sum(cpus):,.0f}",
        f"{median(walls) * ms:.2f}",
        f"{percentile(walls, 0.99) * ms:.2f}",
        f"{max(walls) * ms:.1f}",
        f"{median(cpus) * ms:.2f}",
        f"{percentile(cpus, 0.99) * ms:.2f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=100, help="corpus repetitions")
    parser.add_argument("--large-runs", type=int, default=5, help="runs of each large mail")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args()

    mixed = corpus(options.rounds, options.seed)
    size = sum(len(raw) for raw in mixed) / len(mixed)
    for raw in mixed[:50]:  # warm up imports and regex caches
        to_json(parse_mail(raw))
    headers = [
        "corpus",
        "mails",
        "mails/s",
        "mails/CPU-s",
        "p50 ms",
        "p99 ms",
        "max ms",
        "CPU p50",
        "CPU p99",
    ]
    rows = [
        [f"mixed fixtures (avg {size / 1024:.1f} KB), parse_mail", *measure(mixed, parse_mail)],
        [
            "mixed fixtures, parse_mail + to_json",
            *measure(mixed, lambda raw: to_json(parse_mail(raw))),
        ],
    ]
    for label, raw in large_mails().items():
        rows.append([f"{label}, parse_mail", *measure([raw] * options.large_runs, parse_mail)])
    print_table(headers, rows)


if __name__ == "__main__":
    main()
