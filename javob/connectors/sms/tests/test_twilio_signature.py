"""Twilio's signature rule, checked with the example of Twilio's documentation."""

from __future__ import annotations

from javob.connectors.sms.twilio import signature


def test_the_documented_example_signature() -> None:
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert signature("12345", url, params.items()) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_the_parameter_order_does_not_matter_but_every_value_does() -> None:
    params = [("To", "+18005551212"), ("Body", "salom"), ("From", "+12349013030")]
    url = "https://javob.example.com/hooks/sms/1"
    assert signature("t", url, params) == signature("t", url, list(reversed(params)))
    assert signature("t", url, params) != signature("t", url, [*params[:2], ("From", "+1")])
    assert signature("t", url, params) != signature("t", url + "?x=1", params)
