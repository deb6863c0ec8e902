"""X (Twitter) connector: Account Activity webhooks in, X API v2 out.

Inbox secrets: `consumer_secret` (required: it answers X's CRC challenge and checks every
webhook's signature), `consumer_key`, `access_token`, `access_token_secret` (OAuth 1.0a in the
account's context), or `user_token` (an OAuth 2.0 user access token) instead of those three,
and `bearer_token` (the app's, to register and remove the webhook). Settings: `user_id` (the
account; learned from `/2/users/me` when the credentials allow), `webhook_id` (a webhook
registered in X's portal; registered through the API when absent and a `bearer_token` is
given), `capabilities` (see capabilities.py) and `api_url`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from javob.connectors import health
from javob.connectors.base import (
    Connector,
    DeliveryError,
    Ignored,
    OutgoingFile,
    Parsed,
    WebhookRejected,
    WebhookRequest,
)
from javob.connectors.x import capabilities, media
from javob.connectors.x.actions import clear_denied, do_deny_capability
from javob.connectors.x.api import DEFAULT_API_URL, Credentials, XApi, XError
from javob.connectors.x.inbound import PUBLIC_THREAD, ReadMark, parse_body
from javob.connectors.x.signing import SIGNATURE_HEADER, body_signature_ok, crc_response
from javob.connectors.x.text import MAX_DM, MAX_POST, weighted_length
from javob.conversations.models import DELIVERY_RANK, Delivery, Direction, Message
from javob.conversations.queries import replied_external_id
from javob.core.errors import ActionError
from javob.core.tasks import enqueue_on_commit
from javob.core.types import DeliveryUpdate, InboundMessage

if TYPE_CHECKING:
    from javob.conversations.models import Attachment, Conversation

logger = logging.getLogger(__name__)
OAUTH1 = ("consumer_key", "access_token", "access_token_secret")
READ_LOOKBACK = 200  # our direct messages a read receipt may cover, newest first
SECRETS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


class XConnector(Connector):
    kind = "x"
    required_settings = ("consumer_secret",)
    secret_settings = (*SECRETS, "user_token", "bearer_token")
    optional_settings = ("user_id", "webhook_id", "capabilities", "api_url")
    handshake_content_type = "application/json"

    # Settings and credentials

    def setting(self, name: str) -> str:
        return str(self.inbox.settings.get(name, "")).strip()

    def secret(self, name: str) -> str:
        return str(self.inbox.secrets.get(name, "")).strip()

    @property
    def credentials(self) -> Credentials:
        return Credentials(**{name: self.secret(name) for name in self.secret_settings})

    @property
    def api(self) -> XApi:
        return XApi(self.credentials, self.setting("api_url") or DEFAULT_API_URL)

    @property
    def can_act(self) -> bool:
        return self.credentials.user_context

    def capabilities(self) -> tuple[str, ...]:
        return capabilities.effective(self.inbox, can_act=self.can_act)

    def limits(self) -> list[str]:
        """What this inbox cannot do, in plain sentences (settings page, composer)."""
        return capabilities.limits(self.inbox, can_act=self.can_act)

    def setup(self) -> None:
        unknown = capabilities.unknown(self.setting("capabilities"))
        if unknown:
            raise ActionError(
                _("Unknown capabilities: %(names)s; use some of: %(known)s")
                % {"names": ", ".join(unknown), "known": ", ".join(capabilities.ALL)},
                field="capabilities",
            )
        given = [name for name in OAUTH1 if self.secret(name)]
        if given and len(given) < len(OAUTH1):
            missing = [name for name in OAUTH1 if name not in given]
            raise ActionError(
                _(
                    "OAuth 1.0a needs `consumer_key`, `access_token` and `access_token_secret`; "
                    "missing: %(names)s"
                )
                % {"names": ", ".join(missing)},
                field=missing[0],
            )

    # Subscription

    def activate(self) -> None:
        """Learn the account, register the webhook if we may, subscribe the account to it."""
        from javob.connectors.actions import webhook_url

        clear_denied(self.inbox)
        settings: dict[str, Any] = dict(self.inbox.settings)
        try:
            if self.can_act and not settings.get("user_id"):
                me = _data(self.api.user_call("GET", "/2/users/me"))
                settings["user_id"], settings["username"] = (
                    str(me["id"]),
                    str(me.get("username", "")),
                )
            if not settings.get("webhook_id") and self.secret("bearer_token"):
                url = webhook_url(self.inbox)
                hook = _data(self.api.app_call("POST", "/2/webhooks", {"url": url}))
                settings["webhook_id"], settings["webhook_registered"] = str(hook["id"]), "1"
            if settings.get("webhook_id") and self.can_act:
                self.inbox.settings = settings
                self._subscribe(str(settings["webhook_id"]))
        except XError as exc:
            raise ActionError(
                _("X refused to connect the inbox: %(reason)s") % {"reason": exc.reason},
                field="consumer_secret",
            ) from None
        except (KeyError, TypeError) as exc:
            raise ActionError(
                _("X answered without the `%(what)s` field.")
                % {"what": exc.args[0] if exc.args else exc},
                field="consumer_secret",
            ) from None
        self.inbox.settings = settings
        self.inbox.save(update_fields=["settings"])

    def _subscribe(self, webhook_id: str) -> None:
        path = f"/2/account_activity/webhooks/{webhook_id}/subscriptions/all"
        try:
            self.api.user_call("POST", path)
        except XError:
            if self.setting("webhook_registered"):
                self._forget_webhook(webhook_id)
            raise

    def _forget_webhook(self, webhook_id: str) -> None:
        """Remove a webhook we registered for a connection that failed; X's refusal of the
        connection is what the admin needs to read, so a failure here is only logged."""
        try:
            self._remove_webhook(webhook_id)
        except XError as exc:
            logger.warning("x inbox %s: webhook %s left at X: %s", self.inbox.pk, webhook_id, exc)

    def deactivate(self) -> None:
        webhook_id, user_id = self.setting("webhook_id"), self.setting("user_id")
        if not webhook_id or not self.secret("bearer_token"):
            return  # registered in X's portal, or nothing we may remove
        try:
            if user_id:
                path = f"/2/account_activity/webhooks/{webhook_id}/subscriptions/{user_id}/all"
                self.api.app_call("DELETE", path)
            if self.setting("webhook_registered"):
                self._remove_webhook(webhook_id)
        except XError as exc:
            raise ActionError(
                _("X did not remove the webhook: %(reason)s") % {"reason": exc.reason}
            ) from None

    def _remove_webhook(self, webhook_id: str) -> None:
        self.api.app_call("DELETE", f"/2/webhooks/{webhook_id}")
        self.inbox.settings = {
            key: value
            for key, value in self.inbox.settings.items()
            if key not in ("webhook_id", "webhook_registered")
        }
        self.inbox.save(update_fields=["settings"])

    # Webhooks

    def handshake(self, request: WebhookRequest) -> str | None:
        token = request.query.get("crc_token", "")
        secret = self.secret("consumer_secret")
        if not token or not secret:
            return None
        return json.dumps({"response_token": crc_response(secret, token)})

    def verify(self, request: WebhookRequest) -> None:
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not given:
            raise WebhookRejected("missing x-twitter-webhooks-signature")
        if not body_signature_ok(self.secret("consumer_secret"), request.body, given):
            raise WebhookRejected("bad signature")

    def payload_id(self, request: WebhookRequest) -> str | None:
        # One body batches events; each message is stored once by its own id.
        return "sha256:" + hashlib.sha256(request.body).hexdigest()

    def parse(self, body: bytes) -> Sequence[Parsed]:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("an Account Activity body is a JSON object")
        account = self.setting("user_id")
        if account and str(data.get("for_user_id") or "") not in ("", account):
            logger.info("x inbox %s: skipped events of another account", self.inbox.pk)
            return [Ignored("events of another account")]
        parsed: list[Parsed] = []
        for item in parse_body(self.inbox.pk, data, self.capabilities()):
            if isinstance(item, ReadMark):
                parsed += self._read_updates(item)
                continue
            if isinstance(item, Ignored) and item.reason.startswith("unknown body"):
                logger.info("x inbox %s: acknowledged an %s", self.inbox.pk, item.reason)
            parsed.append(item)
        return parsed

    def _read_updates(self, mark: ReadMark) -> list[DeliveryUpdate]:
        """ "read" for each of our direct messages to that person up to the event read, not
        read yet. Public replies live in another conversation (PUBLIC_THREAD) and stay."""
        unread = (
            Message.objects.filter(
                inbox_id=self.inbox.pk,
                direction=Direction.OUTGOING,
                conversation__contact__identities__kind="x",
                conversation__contact__identities__value=mark.customer,
                conversation__thread_key=mark.customer,
                delivery_rank__lt=DELIVERY_RANK[Delivery.READ],
                external_id__isnull=False,
            )
            .exclude(delivery_status=Delivery.QUEUED)
            .order_by("-pk")
            .values_list("external_id", flat=True)[:READ_LOOKBACK]
        )
        return [
            DeliveryUpdate(self.inbox.pk, str(event_id), Delivery.READ, at=mark.at)
            for event_id in unread
            if str(event_id).isdigit() and int(str(event_id)) <= mark.last_read_event_id
        ]

    def received(self, message_id: int, inbound_message: InboundMessage) -> None:
        if inbound_message.metadata.get("media"):
            from javob.connectors.x.tasks import fetch_media

            enqueue_on_commit(fetch_media, message_id)

    # Replies

    def reply_notes(self, conversation: Conversation) -> list[str]:
        public = _public(conversation)
        wanted = capabilities.REPLY if public else capabilities.SEND_DM
        notes = []
        if public:
            notes.append(
                _(
                    "A reply here is posted publicly on X under the customer's post "
                    "(at most %(limit)d characters, a link counts as 23)."
                )
                % {"limit": MAX_POST}
            )
        if wanted not in self.capabilities():
            notes.append(self._refusal(wanted))
        elif capabilities.MEDIA not in self.capabilities():
            notes.append(self._refusal(capabilities.MEDIA))
        return notes

    def check_reply(self, conversation: Conversation) -> None:
        wanted = capabilities.REPLY if _public(conversation) else capabilities.SEND_DM
        if wanted not in self.capabilities():
            raise ActionError(self._refusal(wanted), field="text")

    def check_reply_text(self, conversation: Conversation, text: str) -> None:
        limit = MAX_POST if _public(conversation) else MAX_DM
        if _length(text, limit) > limit:
            raise ActionError(_too_long(limit), field="text")

    def check_reply_files(self, conversation: Conversation, files: Sequence[OutgoingFile]) -> None:
        if not files:
            return
        if capabilities.MEDIA not in self.capabilities():
            raise ActionError(self._refusal(capabilities.MEDIA), field="files")
        media.check_files(list(files))

    def _refusal(self, capability: str) -> str:
        reason = capabilities.denied(self.inbox).get(capability, "")
        if capability == capabilities.MEDIA:
            text = _("Your X access does not allow sending files; send a link instead.")
        elif capability == capabilities.REPLY:
            text = _(
                "Your X access does not allow public replies; this mention cannot be answered here."
            )
        else:
            text = _(
                "Your X access does not allow sending direct messages; this conversation "
                "cannot be answered here."
            )
        return f"{text} {reason}".strip()

    def send(self, message: Message) -> str:
        conversation = message.conversation
        public = _public(conversation) and message.metadata.get("comment_reply") != "private"
        capability = capabilities.REPLY if public else capabilities.SEND_DM
        try:
            if capability not in self.capabilities():
                raise XError(self._refusal(capability), transient=False)
            sent = self._post(message) if public else self._direct(message)
        except XError as exc:
            if exc.denied:
                do_deny_capability(self.inbox.pk, capability, exc.reason)
            health.record_error(self.inbox, "send", exc.reason)
            raise DeliveryError(
                exc.reason, permanent=not exc.transient, retry_after=exc.retry_after
            ) from None
        health.record_ok(self.inbox)
        return sent

    def _check(self, message: Message, limit: int) -> Attachment | None:
        """The reply's one file (if any) once the reply is one X would take."""
        attachments = list(message.attachments.order_by("pk"))
        files = [OutgoingFile(a.filename, a.content_type, a.size) for a in attachments]
        if files and capabilities.MEDIA not in self.capabilities():
            raise XError(self._refusal(capabilities.MEDIA), transient=False)
        try:
            media.check_files(files)
        except ActionError as exc:
            raise XError(exc.message, transient=False) from None
        if not message.text.strip() and not attachments:
            raise XError(_("The reply is empty."), transient=False)
        if _length(message.text, limit) > limit:
            raise XError(_too_long(limit), transient=False)
        return attachments[0] if attachments else None

    def _upload(self, attachment: Attachment, *, public: bool) -> str:
        """The file's media id; X refusing the upload itself (403) takes `media` away, not
        the reply's capability."""
        try:
            return media.upload(self.api, attachment, public=public)
        except XError as exc:
            if not exc.denied:
                raise
            do_deny_capability(self.inbox.pk, capabilities.MEDIA, exc.reason)
            raise XError(exc.reason, transient=False) from None

    def _direct(self, message: Message) -> str:
        attachment = self._check(message, MAX_DM)
        identity = message.conversation.contact.identities.filter(kind="x").order_by("pk").first()
        if identity is None:
            raise XError(_("The contact has no X account to write to."), transient=False)
        body: dict[str, Any] = {"text": message.text} if message.text.strip() else {}
        if attachment is not None:
            body["attachments"] = [{"media_id": self._upload(attachment, public=False)}]
        path = f"/2/dm_conversations/with/{identity.value}/messages"
        data = _data(self.api.user_call("POST", path, body))
        return _id(data, "dm_event_id")

    def _post(self, message: Message) -> str:
        attachment = self._check(message, MAX_POST)
        replied = replied_external_id(message)
        if not replied:
            raise XError(_("There is no post to answer in this conversation."), transient=False)
        body: dict[str, Any] = {"text": message.text, "reply": {"in_reply_to_tweet_id": replied}}
        if attachment is not None:
            body["media"] = {"media_ids": [self._upload(attachment, public=True)]}
        return _id(_data(self.api.user_call("POST", "/2/tweets", body)), "id")


def _public(conversation: Conversation) -> bool:
    return conversation.thread_key.startswith(PUBLIC_THREAD)


def _length(text: str, limit: int) -> int:
    """Posts count as X weighs them; direct messages by characters."""
    return weighted_length(text) if limit == MAX_POST else len(text)


def _too_long(limit: int) -> str:
    return _("X allows at most %(limit)d characters here; shorten the reply.") % {"limit": limit}


def _data(answer: Any) -> dict[str, Any]:
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        raise XError(_("X answered without a `data` object."), transient=True)
    return data


def _id(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not value:
        raise XError(_("X accepted the message but gave no id."), transient=False)
    return str(value)
