#!/usr/bin/env python
"""Language-intelligence benchmark: what ``analyze()`` costs per message on one core.

Measures, with the packaged models loaded once:
- latency of language + sentiment + PII for one message (p50 / p90 / p99 / max), as wall
  time and as CPU time of the thread (the latter is what a busy shared machine cannot
  inflate);
- batch throughput: messages per second through ``analyze()`` in one process, one core;
- the default intent model's latency for one message;
- resident memory (RSS) of this process with Django set up and every model loaded.

Messages are the hand-written sets in javob/intelligence/tests/data (Uzbek in both scripts,
Russian, English, Turkic neighbours, emoji, one-word greetings) plus long e-mail-like texts,
cycled. Targets (issue 8): p99 < 2 ms, >= 2,000 messages/s, RSS < 300 MB.

    .venv/bin/python bench/intelligence.py [--messages 20000] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
DATA = ROOT / "javob" / "intelligence" / "tests" / "data"

LONG = (
    "Assalomu alaykum! 12-noyabr kuni buyurtma bergan edim (raqami 458812), to'lovni "
    "Humo kartam orqali qildim, lekin buyurtma holati haligacha 'kutilmoqda' bo'lib "
    "turibdi. Kuryer ham qo'ng'iroq qilmadi. Iltimos, tekshirib bering, telefonim "
    "+998 90 123 45 67, email: ali.valiyev@mail.uz. Oldindan rahmat! "
)
LONG_RU = (
    "Здравствуйте! Двенадцатого ноября оформил заказ, оплатил картой, но статус до сих пор "
    "«ожидает отправки», курьер не звонил. Проверьте, пожалуйста, мой телефон "
    "+7 912 345-67-89, почта ivan.petrov@mail.ru. Заранее спасибо! "
)


def messages() -> list[str]:
    texts: list[str] = []
    for name in ("language_handwritten.csv", "sentiment_handwritten.csv"):
        with (DATA / name).open(encoding="utf-8") as handle:
            texts.extend(row["text"] for row in csv.DictReader(handle))
    texts += [LONG, LONG * 3, LONG_RU, LONG_RU * 3]
    return texts


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to CPU {core}"
    return "not pinned (no sched_setaffinity)"


def rss_mb() -> tuple[float, float]:
    """Current and peak resident set size of this process, in MB."""
    values = {"VmRSS": 0.0, "VmHWM": 0.0}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in values:
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def latencies(call: Callable[[str], object], texts: list[str], count: int) -> dict[str, float]:
    wall: list[float] = []
    cpu: list[float] = []
    for i in range(count):
        text = texts[i % len(texts)]
        started_wall, started_cpu = time.perf_counter(), time.thread_time()
        call(text)
        cpu.append(time.thread_time() - started_cpu)
        wall.append(time.perf_counter() - started_wall)
    wall.sort()
    cpu.sort()
    result = {}
    for name, values in (("wall", wall), ("cpu", cpu)):
        for label, fraction in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0)):
            result[f"{name}_{label}_ms"] = round(percentile(values, fraction) * 1000, 3)
    return result


def throughput(call: Callable[[str], object], texts: list[str], count: int) -> float:
    started = time.perf_counter()
    for i in range(count):
        call(texts[i % len(texts)])
    return round(count / (time.perf_counter() - started), 1)


def machine() -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    import numpy

    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def run(count: int) -> dict[str, Any]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "javob.settings")
    import django

    django.setup()
    from javob.intelligence import language
    from javob.intelligence.intent import default_model
    from javob.intelligence.providers import analyze
    from javob.intelligence.sentiment import model

    pinned = pin_to_one_core()
    before_models, _ = rss_mb()
    started = time.perf_counter()
    language.load()
    model()
    intents = default_model()
    load_seconds = round(time.perf_counter() - started, 2)
    texts = messages()
    for text in texts:  # warm-up: first calls compile regexes and fill caches
        analyze(text)
        intents.predict(text)
    result: dict[str, Any] = {"machine": machine(), "pinning": pinned, "messages": len(texts)}
    result["load_seconds"] = load_seconds
    result["analyze"] = latencies(analyze, texts, count)
    result["analyze_per_second"] = throughput(analyze, texts, count)
    result["intent"] = latencies(intents.predict, texts, min(count, 5000))
    result["rss_mb"], result["peak_rss_mb"] = (round(x, 1) for x in rss_mb())
    result["rss_before_models_mb"] = round(before_models, 1)
    return result


def print_table(result: dict[str, Any]) -> None:
    rows = [
        ("analyze() latency p50 (wall / CPU)", "ms", _pair(result["analyze"], "p50")),
        ("analyze() latency p90 (wall / CPU)", "ms", _pair(result["analyze"], "p90")),
        ("analyze() latency p99 (wall / CPU)", "ms", _pair(result["analyze"], "p99")),
        ("analyze() latency max (wall / CPU)", "ms", _pair(result["analyze"], "max")),
        ("analyze() batch, one core", "msg/s", f"{result['analyze_per_second']:,.0f}"),
        ("intent predict p50 / p99 (wall)", "ms", _intent(result["intent"])),
        (
            "RSS with models loaded (now / peak)",
            "MB",
            f"{result['rss_mb']} / {result['peak_rss_mb']}",
        ),
        ("RSS after django.setup(), before models", "MB", str(result["rss_before_models_mb"])),
        ("model load time", "s", str(result["load_seconds"])),
    ]
    width = max(len(r[0]) for r in rows)
    for name, unit, value in rows:
        print(f"{name:<{width}}  {value:>18}  {unit}")
    info = result["machine"]
    print(
        f"\n{info['cpu']}, {info['cores']} cores, Python {info['python']}, numpy {info['numpy']}, "
        f"{result['pinning']}, load average {info['load_average']}, "
        f"{result['messages']} distinct messages cycled"
    )


def _pair(values: dict[str, float], label: str) -> str:
    return f"{values[f'wall_{label}_ms']:.3f} / {values[f'cpu_{label}_ms']:.3f}"


def _intent(values: dict[str, float]) -> str:
    return f"{values['wall_p50_ms']:.3f} / {values['wall_p99_ms']:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=20000, help="messages per measurement")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    result = run(args.messages)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print_table(result)


if __name__ == "__main__":
    main()
