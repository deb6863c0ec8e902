"""The single outbound HTTP client for user-supplied URLs.

It refuses loopback, private, link-local, multicast, reserved and other non-global
addresses — checked on the address it actually connects to, after DNS resolution, and again
for every redirect — unless the install-wide allow-list (JAVOB_OUTBOUND_ALLOW) names the
host or a network that contains the address.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings

MAX_REDIRECTS = 5
MAX_RESPONSE_BYTES = 5 * 1024 * 1024
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(Exception):
    """The URL resolves to an address outbound requests may not reach."""


class OutboundError(Exception):
    """The request could not be completed (DNS, connection, TLS, timeout, bad URL)."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str


def _allowed_networks() -> tuple[list[ipaddress.IPv4Network | ipaddress.IPv6Network], set[str]]:
    networks, hosts = [], set()
    for item in settings.JAVOB_OUTBOUND_ALLOW:
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            hosts.add(item.lower())
    return networks, hosts


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def vet_address(host: str, address: IPAddress) -> None:
    networks, hosts = _allowed_networks()
    if is_public(address) or host.lower() in hosts:
        return
    if any(address in network for network in networks):
        return
    raise BlockedAddress(f"{host} resolves to {address}, an internal address")


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OutboundError(f"cannot resolve {host}: {exc}") from exc
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _connect(host: str, port: int, timeout: float) -> socket.socket:
    """Connect to the first usable address of `host`, refusing any internal one."""
    addresses = resolve(host, port)
    for address in addresses:
        vet_address(host, address)
    last: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((str(address), port), timeout=timeout)
        except OSError as exc:
            last = exc
    raise OutboundError(f"cannot connect to {host}:{port}: {last}")


class _VettedHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = _connect(self.host, self.port, self.timeout or 15)


class _VettedHTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        raw = _connect(self.host, self.port, self.timeout or 15)
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(raw, server_hostname=self.host)


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float | None = None,
) -> Response:
    """Send one request, following up to five redirects, each to a vetted address."""
    timeout = timeout if timeout is not None else settings.JAVOB_OUTBOUND_TIMEOUT
    for _hop in range(MAX_REDIRECTS + 1):
        response = _request_once(method, url, body, headers or {}, timeout)
        location = response.headers.get("location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        url = urljoin(url, location)
        if response.status == 303 or (response.status in (301, 302) and method == "POST"):
            method, body = "GET", None
    raise OutboundError(f"more than {MAX_REDIRECTS} redirects")


def _request_once(
    method: str, url: str, body: bytes | None, headers: dict[str, str], timeout: float
) -> Response:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError(f"not an http(s) URL: {url!r}")
    if parts.username or parts.password:
        raise OutboundError("URLs with credentials are not allowed")
    cls = _VettedHTTPSConnection if parts.scheme == "https" else _VettedHTTPConnection
    try:
        port = parts.port
    except ValueError as exc:
        raise OutboundError(f"bad port in {url!r}") from exc
    connection = cls(parts.hostname, port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request(method, path, body=body, headers=headers)
        raw = connection.getresponse()
        data = raw.read(MAX_RESPONSE_BYTES + 1)
    except (OSError, http.client.HTTPException) as exc:
        raise OutboundError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
    if len(data) > MAX_RESPONSE_BYTES:
        raise OutboundError("response too large")
    response_headers = {key.lower(): value for key, value in raw.getheaders()}
    return Response(raw.status, response_headers, data, url)
