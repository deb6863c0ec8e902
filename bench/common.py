"""What the benchmark scripts share: a fresh database of their own, Django set-up, tables.

A benchmark never touches the demo or any other database. On SQLite (also when DATABASE_URL
names an SQLite file) it creates a new file in a temporary directory; on PostgreSQL it drops
and recreates the database DATABASE_URL names, and refuses unless that name contains "bench".
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True, slots=True)
class Database:
    backend: str  # sqlite or postgresql
    url: str
    cleanup: Callable[[], None]


def fresh_database(label: str) -> Database:
    """A new, empty database for this run, from DATABASE_URL or a temporary SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        _recreate_postgres(url)
        return Database("postgresql", url, lambda: None)
    if url:
        print(f"DATABASE_URL={url} is not PostgreSQL; using a new SQLite file.", file=sys.stderr)
    parent = os.environ.get("JAVOB_DATA_DIR") or tempfile.gettempdir()
    Path(parent).mkdir(parents=True, exist_ok=True)
    directory = tempfile.mkdtemp(prefix=f"javob-bench-{label}-", dir=parent)
    path = Path(directory) / "bench.sqlite3"
    return Database("sqlite", f"sqlite:///{path}", lambda: shutil.rmtree(directory))


def _recreate_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if "bench" not in name:
        raise SystemExit(
            f"Refusing to drop database {name!r}: a benchmark database name must contain "
            "'bench' (e.g. postgres://postgres@127.0.0.1:5432/javob_bench)."
        )
    with psycopg.connect(
        host=parts.hostname or "localhost",
        port=parts.port or 5432,
        user=unquote(parts.username or "postgres"),
        password=unquote(parts.password or "") or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)
        ))  # fmt: skip
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def setup_django(database: Database) -> None:
    """Point Django at `database` (before settings are read) and migrate it."""
    os.environ["DATABASE_URL"] = database.url
    os.environ["DJANGO_SETTINGS_MODULE"] = "javob.settings"
    os.environ.setdefault("JAVOB_LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A Markdown table, so the output can go straight into docs/benchmarks.md."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
