"""The signatures X uses, checked against documented examples."""

from __future__ import annotations

import base64
import hashlib
import hmac

from javob.connectors.x.signing import (
    base_string,
    body_signature_ok,
    crc_response,
    hmac_sha1_signature,
    oauth1_header,
    percent,
)

# X's "Creating a signature" page (OAuth 1.0a, HMAC-SHA1): a request to post a status.
DOC_URL = "https://api.twitter.com/1.1/statuses/update.json?include_entities=true"
DOC_PARAMS = {
    "status": "Hello Ladies + Gentlemen, a signed OAuth request!",
    "oauth_consumer_key": "xvz1evFS4wEEPTGEFPHBog",
    "oauth_nonce": "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
    "oauth_signature_method": "HMAC-SHA1",
    "oauth_timestamp": "1318622958",
    "oauth_token": "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
    "oauth_version": "1.0",
}
DOC_BASE = (
    "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue"
    "%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYS"
    "Q2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oau"
    "th_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26stat"
    "us%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%"
    "2521"
)
DOC_CONSUMER_SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
DOC_TOKEN_SECRET = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
DOC_SIGNATURE = "hCtSmYh+iHYCEqBWrE7C7hYmtUk="


def test_the_base_string_of_the_documented_request() -> None:
    assert base_string("post", DOC_URL, DOC_PARAMS) == DOC_BASE


def test_the_documented_signature() -> None:
    base = base_string("POST", DOC_URL, DOC_PARAMS)
    assert hmac_sha1_signature(base, DOC_CONSUMER_SECRET, DOC_TOKEN_SECRET) == DOC_SIGNATURE


def test_the_authorization_header_carries_the_documented_signature_encoded() -> None:
    header = oauth1_header(
        "POST",
        DOC_URL,
        consumer_key=DOC_PARAMS["oauth_consumer_key"],
        consumer_secret=DOC_CONSUMER_SECRET,
        token=DOC_PARAMS["oauth_token"],
        token_secret=DOC_TOKEN_SECRET,
        body_params={"status": DOC_PARAMS["status"]},
        nonce=DOC_PARAMS["oauth_nonce"],
        timestamp=1318622958,
    )
    assert header == (
        'OAuth oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog", '
        'oauth_nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", '
        'oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D", '
        'oauth_signature_method="HMAC-SHA1", oauth_timestamp="1318622958", '
        'oauth_token="370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb", '
        'oauth_version="1.0"'
    )


def test_percent_encoding_keeps_only_unreserved_characters() -> None:
    assert percent("Ladies + Gentlemen!*'()~-._ ☃") == (
        "Ladies%20%2B%20Gentlemen%21%2A%27%28%29~-._%20%E2%98%83"
    )


# The CRC rule of /work/shared/data/README.md: "sha256=" + base64 HMAC-SHA256(consumer
# secret, crc_token), worked out here for X's documented consumer secret.
CRC_TOKEN = "ODIzMjY1ZjQtMGQ5Zi00MDc2LWEzMWEtYTIwMWNmYmY0NDc4"


def test_the_crc_answer_is_the_base64_hmac_sha256_of_the_token() -> None:
    expected = base64.b64encode(
        hmac.new(DOC_CONSUMER_SECRET.encode(), CRC_TOKEN.encode(), hashlib.sha256).digest()
    ).decode()
    assert crc_response(DOC_CONSUMER_SECRET, CRC_TOKEN) == "sha256=" + expected
    assert crc_response(DOC_CONSUMER_SECRET, CRC_TOKEN) == (
        "sha256=2f3XcDW9v5Kkya5jz/EF+83WsooCmDajzr/5F9VERrY="
    )


def test_a_body_signature_is_accepted_only_for_the_exact_bytes() -> None:
    body = b'{"for_user_id":"4337869213"}'
    given = (
        "sha256="
        + base64.b64encode(
            hmac.new(DOC_CONSUMER_SECRET.encode(), body, hashlib.sha256).digest()
        ).decode()
    )
    assert body_signature_ok(DOC_CONSUMER_SECRET, body, given)
    assert not body_signature_ok(DOC_CONSUMER_SECRET, body + b" ", given)
    assert not body_signature_ok("another secret", body, given)
    assert not body_signature_ok(DOC_CONSUMER_SECRET, body, given.removeprefix("sha256="))
    assert not body_signature_ok("", body, given)
