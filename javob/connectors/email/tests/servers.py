"""Real mail servers for the tests: Dovecot (IMAP, plain/STARTTLS/TLS) and aiosmtpd (the SMTP
server our replies go to, with STARTTLS and AUTH), and a self-signed certificate for both."""

from __future__ import annotations

import datetime as dt
import imaplib
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DOVECOT = "/usr/sbin/dovecot"
PASSWORD = "s3cret-pass"
MAX_USERS = 500


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost; (cert file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=7))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def dovecot_available() -> bool:
    return Path(DOVECOT).exists()


DOVECOT_CONF = """
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
mail_max_userip_connections = 100
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    """A Dovecot instance of our own, in a temporary directory."""

    root: Path
    cert: Path
    imap_port: int
    imaps_port: int
    users: int = 0

    @classmethod
    def start(cls, root: Path) -> Dovecot:
        cert, key = make_certificate(root)
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir()
        # Dovecot refuses to run mail processes as root: the mail belongs to its own user.
        owner = "dovecot" if _has_user("dovecot") else "nobody"
        entry = pwd.getpwnam(owner) if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        shutil.chown(root / "mail", entry.pw_uid, entry.pw_gid)
        # Every mailbox user exists from the start: Dovecot re-reads the password file only
        # when its mtime changes, which misses two additions within one second.
        users = "".join(f"box{n}@mail.example:{{PLAIN}}{PASSWORD}\n" for n in range(1, MAX_USERS))
        (root / "users").write_text(users)
        server = cls(root, cert, free_port(), free_port())
        (root / "dovecot.conf").write_text(
            DOVECOT_CONF.format(
                root=root,
                cert=cert,
                key=key,
                user=entry.pw_uid,
                group=entry.pw_gid,
                imap_port=server.imap_port,
                imaps_port=server.imaps_port,
            )
        )
        subprocess.run([DOVECOT, "-c", str(root / "dovecot.conf")], check=True)  # noqa: S603
        _wait_for_port(server.imap_port)
        return server

    def stop(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)

    def add_user(self) -> str:
        """A mailbox user no test has used yet."""
        self.users += 1
        assert self.users < MAX_USERS
        return f"box{self.users}@mail.example"

    def drop(self, user: str, mails: list[bytes]) -> None:
        """Put mails straight into the user's Maildir, as a local delivery agent does (much
        faster than APPEND for thousands of mails); Dovecot gives them UIDs on next read."""
        base = self.root / "mail" / user
        owner = (self.root / "mail").stat()
        for sub in ("cur", "new", "tmp"):
            (base / sub).mkdir(parents=True, exist_ok=True)
        for path in (base, base / "cur", base / "new", base / "tmp"):
            os.chown(path, owner.st_uid, owner.st_gid)
        for index, raw in enumerate(mails):
            path = base / "new" / f"{1_700_000_000 + index}.M{index}P1.bench"
            path.write_bytes(raw)
            os.chown(path, owner.st_uid, owner.st_gid)

    def client(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.imap_port)
        client.login(user, PASSWORD)
        return client

    def append(self, user: str, *mails: bytes, folder: str = "INBOX") -> None:
        client = self.client(user)
        try:
            for raw in mails:
                typ, data = client.append(folder, None, None, raw)
                assert typ == "OK", data
        finally:
            client.logout()

    def flags(self, user: str, folder: str = "INBOX") -> list[str]:
        """The flags of every message in `folder`, by sequence number."""
        client = self.client(user)
        try:
            client.select(folder)
            typ, data = client.fetch("1:*", "(FLAGS)")
            if typ != "OK" or data == [None]:
                return []
            return [item.decode() for item in data if isinstance(item, bytes)]
        finally:
            client.logout()

    def count(self, user: str, folder: str = "INBOX") -> int:
        client = self.client(user)
        try:
            typ, data = client.select(folder)
            return int(data[0] or 0) if typ == "OK" else -1
        finally:
            client.logout()


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes


@dataclass
class SinkHandler:
    """Keeps what it is sent; `answer` (an SMTP status) makes it refuse instead."""

    mails: list[Received] = field(default_factory=list)
    answer: str = ""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.answer:
            return self.answer
        self.mails.append(
            Received(
                str(envelope.mail_from),
                list(envelope.rcpt_tos),
                bytes(envelope.original_content or b""),
            )
        )
        return "250 OK"


class SinkController(Controller):
    def __init__(self, handler: SinkHandler, port: int, tls: ssl.SSLContext | None) -> None:
        self.tls = tls
        super().__init__(handler, hostname="127.0.0.1", port=port)

    def factory(self) -> SMTP:
        authenticate = self.tls is not None
        return SMTP(
            self.handler,
            decode_data=False,
            tls_context=self.tls,
            require_starttls=authenticate,
            auth_required=authenticate,
            auth_require_tls=True,
            authenticator=_check_password if authenticate else None,
            hostname="localhost",
        )


def _check_password(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth: Any
) -> AuthResult:
    ok = (
        isinstance(auth, LoginPassword)
        and auth.login == b"sender"
        and auth.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpSink:
    handler: SinkHandler
    port: int
    controller: SinkController

    @property
    def mails(self) -> list[Received]:
        return self.handler.mails


def start_sink(cert: Path | None = None, key: Path | None = None) -> SmtpSink:
    """An SMTP server that keeps what it receives; with a certificate it also demands
    STARTTLS and AUTH (user "sender", the shared test password)."""
    context = None
    if cert is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(cert), str(key))
    handler = SinkHandler()
    port = free_port()
    controller = SinkController(handler, port, context)
    controller.start()
    return SmtpSink(handler, port, controller)


def stopping(sink: SmtpSink) -> Iterator[SmtpSink]:
    try:
        yield sink
    finally:
        sink.controller.stop()
