"""The Graph error map and the webhook signature, without a server."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from javob.connectors.base import WebhookRejected, WebhookRequest
from javob.connectors.meta.graph import error_from_response
from javob.connectors.meta.webhook import answer_handshake, signature, verify_signature


def _error(code: int, subcode: int | None = None, **extra: object) -> bytes:
    body: dict[str, object] = {
        "message": "m",
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "x",
    }
    if subcode is not None:
        body["error_subcode"] = subcode
    return json.dumps({"error": {**body, **extra}}).encode()


@pytest.mark.parametrize(
    ("status", "code", "subcode", "permanent", "retry_after"),
    [
        (400, 4, None, False, 60),
        (400, 17, None, False, 60),
        (400, 32, None, False, 60),
        (400, 613, None, False, 60),
        (400, 80007, None, False, 60),
        (400, 130429, None, False, 60),
        (400, 131056, None, False, 60),
        (500, 1, None, False, None),
        (500, 2, None, False, None),
        (503, 131016, None, False, None),
        (400, 131047, None, True, None),
        (400, 131026, None, True, None),
        (401, 190, 463, True, None),
        (500, 190, None, True, None),
        (400, 10, 2018278, True, None),
        (400, 100, None, True, None),
        (403, 200, None, True, None),
    ],
)
def test_codes_map_to_permanent_or_transient(
    status: int, code: int, subcode: int | None, permanent: bool, retry_after: int | None
) -> None:
    error = error_from_response(status, _error(code, subcode), {})
    assert (error.permanent, error.code, error.subcode, error.retry_after) == (
        permanent,
        code,
        subcode,
        retry_after,
    )


def test_retry_after_header_is_kept_and_details_are_in_the_reason() -> None:
    body = _error(130429, error_data={"messaging_product": "whatsapp", "details": "Too fast"})
    error = error_from_response(400, body, {"retry-after": "17"})
    assert (error.retry_after, error.reason) == (
        17,
        "Rate limited by Meta: m: Too fast (code 130429)",
    )


def _request(body: bytes, header: str | None) -> WebhookRequest:
    headers = {"x-hub-signature-256": header} if header is not None else {}
    return WebhookRequest("POST", "https://javob.example/hooks/x/1", headers, {}, body)


def test_signature_is_hex_hmac_sha256_of_the_body() -> None:
    body = b'{"object":"page"}'
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert signature("s3cret", body) == expected
    verify_signature("s3cret", _request(body, expected))
    with pytest.raises(WebhookRejected):
        verify_signature("s3cret", _request(body + b" ", expected))
    with pytest.raises(WebhookRejected):
        verify_signature("", _request(body, "sha256="))


def test_handshake_needs_mode_token_and_a_plain_challenge() -> None:
    def ask(**query: str) -> str | None:
        request = WebhookRequest("GET", "u", {}, {f"hub.{k}": v for k, v in query.items()}, b"")
        return answer_handshake("tok", request)

    assert ask(mode="subscribe", verify_token="tok", challenge="123") == "123"
    assert ask(mode="subscribe", verify_token="tok2", challenge="123") is None
    assert ask(mode="subscribe", verify_token="tok", challenge="") is None
    assert ask(mode="subscribe", verify_token="tok", challenge="<script>") is None
