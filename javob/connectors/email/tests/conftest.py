"""Fixtures of the email tests: real servers (Dovecot, aiosmtpd) and local addresses allowed."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import require_service
from javob.connectors.email.tests.servers import (
    Dovecot,
    SmtpSink,
    dovecot_available,
    make_certificate,
    start_sink,
    stopping,
)


@pytest.fixture(scope="session")
def dovecot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dovecot | None]:
    if not dovecot_available():
        yield None
        return
    # Not under pytest's private (0700) temp root: Dovecot's own processes run as its user
    # and must read the password file and write the mail directory.
    root = Path(tempfile.mkdtemp(prefix="javob-dovecot-"))
    root.chmod(0o755)
    server = Dovecot.start(root)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def dovecot(dovecot_server: Dovecot | None) -> Dovecot:
    require_service(dovecot_server is not None, "Dovecot (IMAP)", "apt-get install dovecot-imapd")
    assert dovecot_server is not None
    return dovecot_server


@pytest.fixture
def local_servers(settings: Any) -> None:
    """Our test servers listen on 127.0.0.1, which outbound connections refuse by default."""
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1"]


@pytest.fixture
def sink(local_servers: None) -> Iterator[SmtpSink]:
    yield from stopping(start_sink())


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("cert"))


@pytest.fixture
def tls_sink(local_servers: None, certificate: tuple[Path, Path]) -> Iterator[SmtpSink]:
    yield from stopping(start_sink(*certificate))
