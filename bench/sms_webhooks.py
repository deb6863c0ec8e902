#!/usr/bin/env python
"""Webhook acknowledgement of the SMS connector: Twilio and an HTTP gateway (Play Mobile preset).

Plugs drivers into the generic harness `bench/webhooks.py` (uvicorn with two workers, a fresh
database, deliveries over keep-alive connections; see that file) and runs it:

    bench/sms_webhooks.py                          # sms-twilio, sms-gateway, api
    bench/sms_webhooks.py --kind sms-twilio --n 6000

Twilio deliveries are distinct incoming-SMS forms signed with X-Twilio-Signature over the
public webhook URL; gateway deliveries are Play Mobile-shaped incoming SMS carrying the
inbox's shared secret in X-Javob-Secret. The acknowledgement covers the check, the raw store
under the provider id, and queueing the parse task.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import webhooks
from bench.webhooks import Driver, Request

TEXT = "Assalomu alaykum! Buyurtmam qayerda? 3 kun oldin to'lagan edim"


def _twilio_inbox(workspace: Any) -> Any:
    from javob.connectors.actions import do_add_inbox
    from javob.connectors.sms.tests.fakes import ACCOUNT_SID, AUTH_TOKEN, fake_twilio

    # Adding the inbox checks the credentials: a local Twilio stand-in answers.
    with fake_twilio() as fake:
        options = {
            "provider": "twilio",
            "account_sid": ACCOUNT_SID,
            "auth_token": AUTH_TOKEN,
            "from_number": "+14155552671",
            "api_url": fake.url,
        }
        return do_add_inbox(workspace, "sms", "Bench Twilio", options, [])


def _served_url(inbox: Any) -> str:
    # The harness starts the server without JAVOB_PUBLIC_URL, so the app's public URL is the
    # default one: signing over it is the production case (one HMAC when a proxy fronts it).
    return f"http://127.0.0.1:8000/hooks/sms/{inbox.pk}"


def _twilio_sms(inbox: Any, i: int) -> Request:
    from javob.connectors.sms.tests.fakes import ACCOUNT_SID, AUTH_TOKEN
    from javob.connectors.sms.twilio import signature

    sid = f"SM{i:032x}"
    params = {
        "ToCountry": "US",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": TEXT,
        "To": "+14155552671",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": f"+99890{i % 5000:07d}",
        "ApiVersion": "2010-04-01",
    }
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature(AUTH_TOKEN, _served_url(inbox), params.items()),
    }
    return headers, urlencode(params).encode()


def _gateway_inbox(workspace: Any) -> Any:
    from javob.connectors.actions import do_add_inbox

    options = {
        "provider": "gateway",
        "preset": "playmobile",
        "send_url": "https://send.invalid/broker-api/send",
        "username": "bench",
        "password": "bench-password",
        "in_from_field": "msisdn",
        "in_text_field": "text",
        "in_id_field": "message-id",
    }
    return do_add_inbox(workspace, "sms", "Bench gateway", options, [])


def _gateway_sms(inbox: Any, i: int) -> Request:
    body = {"msisdn": f"99890{i % 5000:07d}", "text": TEXT, "message-id": f"pm-bench-{i}"}
    headers = {
        "Content-Type": "application/json",
        "X-Javob-Secret": str(inbox.secrets["inbound_secret"]),
    }
    return headers, json.dumps(body).encode()


webhooks.DRIVERS.update(
    {
        # The signature covers the served URL, which an in-process call cannot reproduce.
        "sms-twilio": Driver("sms", _twilio_inbox, _twilio_sms, in_process=False),
        "sms-gateway": Driver("sms", _gateway_inbox, _gateway_sms),
    }
)
if __name__ == "__main__":
    # These kinds, and the generic API channel for comparison on the same machine
    # (bench/webhooks.py runs every kind).
    webhooks.main(("sms-twilio", "sms-gateway", "api"))
