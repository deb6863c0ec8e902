"""Settings of known Uzbek SMS gateways, from their public API documentation.

An inbox with `preset` set starts from these values; any setting given on the inbox wins.
Neither preset could be checked against the live service while it was written (see
docs/sms.md): the shapes follow the providers' published examples and client libraries.
"""

from __future__ import annotations

# Eskiz.uz (notify.eskiz.uz): a bearer token from POST /api/auth/login (email + password),
# valid for 30 days; POST /api/message/sms/send as a form; the answer's `id` names the
# message, and the delivery report posted to `callback_url` carries it as `request_id`.
ESKIZ = {
    "send_url": "https://notify.eskiz.uz/api/message/sms/send",
    "send_method": "POST",
    "body_format": "form",
    "auth": "login",
    "login_url": "https://notify.eskiz.uz/api/auth/login",
    "login_user_field": "email",
    "login_password_field": "password",
    "login_token_path": "data.token",
    "to_field": "mobile_phone",
    "to_format": "digits",
    "from_field": "from",
    "text_field": "message",
    "callback_field": "callback_url",
    "response_id_path": "id",
    "error_path": "message",
    "dlr_id_field": "request_id",
    "dlr_status_field": "status",
    "sent_values": "TRANSMTD,ACCEPTD",
    "delivered_values": "DELIVRD,DELIVERED",
    "failed_values": "UNDELIV,UNDELIVERED,REJECTD,REJECTED,EXPIRED,DELETED,UNKNOWN,FAILED",
}

# Play Mobile (smsxabar.uz broker API): HTTP basic auth; POST /broker-api/send with
# {"messages": [{"recipient", "message-id", "sms": {"originator", "content": {"text"}}}]};
# the message id is the client's own, and the answer to a good request has no body.
PLAYMOBILE = {
    "send_url": "https://send.smsxabar.uz/broker-api/send",
    "send_method": "POST",
    "body_format": "json",
    "auth": "basic",
    "to_field": "messages.0.recipient",
    "to_format": "digits",
    "id_field": "messages.0.message-id",
    "from_field": "messages.0.sms.originator",
    "text_field": "messages.0.sms.content.text",
    "error_path": "error-description",
    "dlr_id_field": "message-id",
    "dlr_status_field": "status",
    "sent_values": "sent",
    "delivered_values": "delivered,DELIVRD",
    "failed_values": "undelivered,UNDELIV,rejected,REJECTD,expired,EXPIRED,failed",
}

PRESETS = {"eskiz": ESKIZ, "playmobile": PLAYMOBILE}
