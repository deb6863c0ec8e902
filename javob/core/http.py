"""The single outbound HTTP client for user-supplied URLs.

It refuses loopback, private, link-local, multicast, reserved and other non-global
addresses — checked on the address it actually connects to, after DNS resolution, and again
for every redirect — unless the install-wide allow-list (JAVOB_OUTBOUND_ALLOW) names the
host or a network that contains the address.
"""

from __future__ import annotations

import http.client
import ipaddress
import secrets
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

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


NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, NAT64, IPv4-compatible), if any.

    Python calls 64:ff9b::7f00:1 and ::7f00:1 global, yet both reach 127.0.0.1 through a
    translator or an old stack, so they are judged by the IPv4 address inside.
    """
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64 or (address in IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """True for a global unicast address; False for anything internal, reserved or multicast."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
        if address.is_site_local:  # deprecated fec0::/10, still routed inside some networks
            return False
    return address.is_global and not address.is_multicast


def vet_address(host: str, address: IPAddress) -> None:
    networks, hosts = _allowed_networks()
    if is_public(address) or host.lower() in hosts:
        return
    if any(address in network for network in networks):
        return
    raise BlockedAddress(
        _("%(host)s resolves to %(address)s, an internal address.")
        % {"host": host, "address": address}
    )


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OutboundError(
            _("Cannot resolve %(host)s: %(error)s") % {"host": host, "error": exc}
        ) from exc
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
    raise OutboundError(
        _("Cannot connect to %(host)s:%(port)s: %(error)s")
        % {"host": host, "port": port, "error": last}
    )


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
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> Response:
    """Send one request, following up to five redirects, each to a vetted address (an
    `Authorization` header is dropped when a redirect leaves the host).

    A response body longer than `max_bytes` raises OutboundError (media downloads pass the
    provider's own file size limit)."""
    timeout = timeout if timeout is not None else settings.JAVOB_OUTBOUND_TIMEOUT
    for _hop in range(MAX_REDIRECTS + 1):
        response = _request_once(method, url, body, headers or {}, timeout, max_bytes)
        location = response.headers.get("location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return response
        target = urljoin(url, location)
        if urlsplit(target).netloc != urlsplit(url).netloc:
            # Credentials are for the host they were given to, never for the one it sends us
            # on to (Twilio's media redirects to a pre-signed storage URL, which refuses them).
            headers = {k: v for k, v in (headers or {}).items() if k.lower() != "authorization"}
        url = target
        if response.status == 303 or (response.status in (301, 302) and method == "POST"):
            method, body = "GET", None
    raise OutboundError(_("More than %(count)d redirects.") % {"count": MAX_REDIRECTS})


def _request_once(
    method: str,
    url: str,
    body: bytes | None,
    headers: dict[str, str],
    timeout: float,
    max_bytes: int,
) -> Response:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError(_("Not an http(s) URL: %(url)r") % {"url": url})
    if parts.username or parts.password:
        raise OutboundError(_("URLs with credentials are not allowed."))
    cls = _VettedHTTPSConnection if parts.scheme == "https" else _VettedHTTPConnection
    try:
        port = parts.port
    except ValueError as exc:
        raise OutboundError(_("Bad port in %(url)r") % {"url": url}) from exc
    connection = cls(parts.hostname, port, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request(method, path, body=body, headers=headers)
        raw = connection.getresponse()
        data = raw.read(max_bytes + 1)
    except (OSError, http.client.HTTPException) as exc:
        raise OutboundError(
            _("%(kind)s: %(error)s") % {"kind": type(exc).__name__, "error": exc}
        ) from exc
    finally:
        connection.close()
    if len(data) > max_bytes:
        raise OutboundError(_("The response is too large."))
    response_headers = {key.lower(): value for key, value in raw.getheaders()}
    return Response(raw.status, response_headers, data, url)


@dataclass(frozen=True, slots=True)
class Upload:
    """One file of a multipart/form-data request."""

    field: str
    filename: str
    content_type: str
    content: bytes


def multipart(fields: dict[str, str], upload: Upload) -> tuple[bytes, str]:
    """A multipart/form-data body (text fields, then the file) and its Content-Type."""
    boundary = "javob-" + secrets.token_hex(16)
    parts: list[bytes] = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{_header_safe(name)}"'
        parts.append(f"{head}\r\n\r\n".encode() + value.encode() + b"\r\n")
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_header_safe(upload.field)}"; '
            f'filename="{_header_safe(upload.filename)}"\r\n'
            f"Content-Type: {_header_safe(upload.content_type)}\r\n\r\n"
        ).encode()
        + upload.content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _header_safe(value: str) -> str:
    """A name for a header: printable, without quotes, backslashes or line breaks."""
    return "".join(ch for ch in value if ch.isprintable() and ch not in '"\\\r\n')[:200] or "file"
