"""A local HTTP server with scripted answers, standing in for a provider or a customer's endpoint.

    with serve([Reply(503), Reply(503), Reply(200, b'{"id": "p-1"}')]) as server:
        ...  # point the code under test at server.url
    assert [r.headers["idempotency-key"] for r in server.requests] == [...]

Each request takes the next scripted reply; once the script runs out, `default` answers.
A reply may be a function of the request (to build a redirect, say), and `Reply(hang=True)`
holds the connection open until `release()` (to catch a client, or a worker, mid-request).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HANG_LIMIT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Keep the request waiting until the server is released (or HANG_LIMIT_SECONDS pass),
    # then drop the connection without an answer.
    hang: bool = False
    # Seconds to wait before answering (a slow endpoint).
    delay: float = 0.0


Script = Reply | Callable[[Recorded], Reply]


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class ScriptedServer:
    """Records every request and answers from a script. Thread-safe; bind to loopback only."""

    def __init__(
        self, script: Sequence[Script] | None = None, default: Script | None = None, host: str = ""
    ) -> None:
        self.script = list(script or [])
        self.default: Script = default or Reply(200, b"{}")
        self.requests: list[Recorded] = []
        self.released = threading.Event()
        self._lock = threading.Condition()
        server_class = _IPv6Server if ":" in host else ThreadingHTTPServer
        self._server = server_class((host or "127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def host(self) -> str:
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def release(self) -> None:
        """Let every hanging request go (they end without an answer)."""
        self.released.set()

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[Recorded]:
        """Block until at least `count` requests arrived; raise TimeoutError otherwise."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.requests) >= count, timeout):
                raise TimeoutError(f"expected {count} requests, got {len(self.requests)}")
            return list(self.requests)

    def _record(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            step = self.script.pop(0) if self.script else self.default
            self._lock.notify_all()
        return step(recorded) if callable(step) else step

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(
                    method=self.command,
                    path=self.path,
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=body,
                )
                reply = server._record(recorded)
                if reply.hang:
                    server.released.wait(HANG_LIMIT_SECONDS)
                    self.close_connection = True
                    return
                if reply.delay:
                    server.released.wait(reply.delay)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        return Handler


@contextmanager
def serve(
    script: Sequence[Script] | None = None, default: Script | None = None, host: str = ""
) -> Iterator[ScriptedServer]:
    server = ScriptedServer(script, default, host).start()
    try:
        yield server
    finally:
        server.stop()
