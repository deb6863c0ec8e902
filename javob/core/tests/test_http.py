"""The one outbound client refuses internal addresses, after DNS and after redirects.

Only loopback addresses are ever dialled here: every other internal range is checked through
`vet_address` / `is_public`, so a broken check can never send traffic anywhere but this host.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

import pytest

from javob.core import http
from javob.core.tests.httpserver import Recorded, Reply, serve

REFUSED = [
    "127.0.0.1",
    "127.0.0.2",
    "::1",
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.0.1",
    "fc00::1",
    "fd12:3456::1",
    "169.254.169.254",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::7f00:1",
    "::7f00:1",
    "0.0.0.0",  # noqa: S104 - an address to refuse, not to bind
    "::",
    "224.0.0.1",
    "239.255.255.250",
    "ff02::1",
    "ff0e::1",
    "100.64.0.1",
    "198.18.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "fec0::1",
    "2002:7f00:1::1",
]
PUBLIC = ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", REFUSED)
def test_internal_address_is_refused(settings: Any, address: str) -> None:
    # given an empty allow-list
    settings.JAVOB_OUTBOUND_ALLOW = []
    ip = ipaddress.ip_address(address)
    # then the address is not public and vetting it refuses
    assert http.is_public(ip) is False
    with pytest.raises(http.BlockedAddress, match="an internal address"):
        http.vet_address("hooks.example.com", ip)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_address_is_allowed(settings: Any, address: str) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = []
    ip = ipaddress.ip_address(address)
    assert http.is_public(ip) is True
    http.vet_address("hooks.example.com", ip)  # does not raise


@pytest.mark.parametrize(
    "make_url",
    [
        lambda port: f"http://127.0.0.1:{port}/hook",
        lambda port: f"http://localhost:{port}/hook",
        lambda port: f"http://0.0.0.0:{port}/hook",
        lambda port: f"http://[::ffff:127.0.0.1]:{port}/hook",
        lambda port: f"http://2130706433:{port}/hook",  # 127.0.0.1 written as one number
    ],
    ids=["ipv4-loopback", "localhost-after-dns", "zero", "ipv4-mapped", "decimal"],
)
def test_request_to_loopback_is_refused_before_connecting(
    settings: Any, make_url: Callable[[int], str]
) -> None:
    # given a live server on 127.0.0.1 that would answer
    settings.JAVOB_OUTBOUND_ALLOW = []
    with serve(default=Reply(200, b"ok")) as server:
        # when the client is pointed at it under one of its names
        with pytest.raises(http.BlockedAddress):
            http.request("POST", make_url(server.port), body=b"{}")
        # then it never reached the server
        assert server.requests == []


def test_request_to_ipv6_loopback_is_refused_before_connecting(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = []
    with serve(default=Reply(200, b"ok"), host="::1") as server:
        with pytest.raises(http.BlockedAddress, match="::1"):
            http.request("GET", server.url)
        assert server.requests == []


def test_allow_list_by_network_lets_the_request_through(settings: Any) -> None:
    # given 127.0.0.1/32 on the allow-list
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    with serve(default=Reply(201, b'{"id": "x"}', {"X-Reply": "yes"})) as server:
        # when posting to it
        response = http.request(
            "POST", server.url + "in?a=1", body=b'{"k": 1}', headers={"X-Test": "1"}
        )
    # then the server got exactly what was sent, and the answer came back whole
    assert response.status == 201
    assert response.body == b'{"id": "x"}'
    assert response.headers["x-reply"] == "yes"
    assert [(r.method, r.path, r.body, r.headers["x-test"]) for r in server.requests] == [
        ("POST", "/in?a=1", b'{"k": 1}', "1")
    ]


def test_allow_list_network_does_not_cover_neighbours(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    with pytest.raises(http.BlockedAddress, match=r"127\.0\.0\.2"):
        http.vet_address("127.0.0.2", ipaddress.ip_address("127.0.0.2"))


def test_allow_list_by_host_name(settings: Any) -> None:
    # given the host name "localhost" (not its addresses) on the allow-list
    settings.JAVOB_OUTBOUND_ALLOW = ["localhost"]
    with serve(default=Reply(200, b"ok")) as server:
        response = http.request("GET", f"http://LocalHost:{server.port}/")
        # then that name goes through, but the same address under another name does not
        with pytest.raises(http.BlockedAddress):
            http.request("GET", f"http://127.0.0.1:{server.port}/")
    assert response.status == 200
    assert len(server.requests) == 1


def test_redirect_to_refused_address_is_not_followed(settings: Any) -> None:
    # given an allowed server on 127.0.0.1 that redirects to 127.0.0.2 (loopback, not allowed),
    # where a second server is listening
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    with serve(default=Reply(200, b"inner"), host="127.0.0.2") as inner:
        redirect = Reply(302, headers={"Location": inner.url + "steal"})
        # when the client follows the redirect
        with (
            serve(default=redirect) as outer,
            pytest.raises(http.BlockedAddress, match=r"127\.0\.0\.2"),
        ):
            http.request("POST", outer.url, body=b"{}")
    # then only the allowed server saw a request
    assert len(outer.requests) == 1
    assert inner.requests == []


def test_redirect_to_allowed_address_is_followed(settings: Any) -> None:
    # the control of the test above: with 127.0.0.2 allowed too, the same redirect is followed
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32", "127.0.0.2/32"]
    with serve(default=Reply(200, b"inner"), host="127.0.0.2") as inner:
        redirect = Reply(302, headers={"Location": inner.url + "next"})
        with serve(default=redirect) as outer:
            response = http.request("POST", outer.url, body=b"{}")
    assert (response.status, response.body, response.url) == (200, b"inner", inner.url + "next")
    # a 302 after a POST is fetched with GET and no body, as browsers do
    assert [(r.method, r.path, r.body) for r in inner.requests] == [("GET", "/next", b"")]


def test_credentials_go_to_the_same_host_only(settings: Any) -> None:
    # given a server that redirects first to itself, then to another host (127.0.0.2)
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32", "127.0.0.2/32"]
    credentials = {"Authorization": "Basic c2lkOnRva2Vu", "Accept": "*/*"}
    with (
        serve(default=Reply(200, b"file"), host="127.0.0.2") as storage,
        serve([Reply(307, headers={"Location": "/media/1"})]) as origin,
    ):
        origin.default = Reply(302, headers={"Location": storage.url + "signed?x=1"})
        # when a request with credentials follows both
        response = http.request("GET", origin.url + "start", headers=credentials)
    # then the credentials went along on the same host and were dropped for the other one
    assert response.body == b"file"
    assert [r.headers.get("authorization") for r in origin.requests] == [
        "Basic c2lkOnRva2Vu",
        "Basic c2lkOnRva2Vu",
    ]
    [fetched] = storage.requests
    assert ("authorization" not in fetched.headers, fetched.headers["accept"]) == (True, "*/*")


def test_redirect_loop_stops(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]

    def again(request: Recorded) -> Reply:
        return Reply(307, headers={"Location": request.path})

    with (
        serve(default=again) as server,
        pytest.raises(http.OutboundError, match="More than 5 redirects"),
    ):
        http.request("GET", server.url)
    assert len(server.requests) == 6


def test_connection_goes_to_the_vetted_address_without_a_second_lookup(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a name whose DNS answer changes after the first lookup (a rebinding attack):
    # first 127.0.0.1 (allowed), then 127.0.0.2 (refused, and nothing listens there)
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    real_getaddrinfo = socket.getaddrinfo
    answers = iter(["127.0.0.1", "127.0.0.2", "127.0.0.2"])
    lookups: list[str] = []

    def rebinding_dns(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.test":
            lookups.append(host)
            host = next(answers)
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    with serve(default=Reply(200, b"ok")) as server:
        # when requesting the name
        response = http.request("GET", f"http://rebind.test:{server.port}/x")
    # then the name was resolved once, and the request went to that vetted address,
    # still naming the host it was meant for
    assert response.status == 200
    assert lookups == ["rebind.test"]
    assert [r.headers["host"] for r in server.requests] == [f"rebind.test:{server.port}"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "Not an http"),
        ("gopher://127.0.0.1:70/", "Not an http"),
        ("http://user:pass@hooks.example.com/", "credentials"),
        ("http://hooks.example.com:99999/", "Bad port"),
    ],
)
def test_urls_that_are_not_plain_http_are_refused(url: str, message: str) -> None:
    with pytest.raises(http.OutboundError, match=message):
        http.request("GET", url)


def test_unreachable_port_is_an_outbound_error(settings: Any) -> None:
    settings.JAVOB_OUTBOUND_ALLOW = ["127.0.0.1/32"]
    with serve() as server:
        port = server.port
    with pytest.raises(http.OutboundError, match="Cannot connect"):
        http.request("GET", f"http://127.0.0.1:{port}/")
