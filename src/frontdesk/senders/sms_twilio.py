"""SMS through Twilio's Programmable Messaging, with the official ``twilio`` SDK.

Twilio's Messages API takes no idempotency key, so a message is sent at most once per
attempt (see ``frontdesk.delivery.worker``): the outbox's retry after a crash between
Twilio's answer and our commit can send a second copy. The SDK's own retries are off (the
worker owns retries), and its base URL is configurable so tests can point it at a local
stand-in.
"""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException  # type: ignore[import-untyped]
from twilio.http.http_client import TwilioHttpClient  # type: ignore[import-untyped]
from twilio.rest import Client  # type: ignore[import-untyped]

from frontdesk.config import Settings
from frontdesk.senders.base import OutgoingMessage, PermanentSendError, TransientSendError

DEFAULT_API_BASE = "https://api.twilio.com"


def is_transient(status: int) -> bool:
    """429 (rate limited) and 5xx are worth retrying; any other 4xx is our request's fault
    (21211 invalid 'To', 21610 unsubscribed recipient, 20003 bad credentials)."""
    return status == 429 or status >= 500


class TwilioSmsSender:
    name = "twilio"
    channel = "sms"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        api_base: str = DEFAULT_API_BASE,
        default_from: str | None = None,
        timeout_s: float = 10.0,
        max_connections: int = 32,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError(
                "Twilio SMS needs FRONTDESK_TWILIO_ACCOUNT_SID and FRONTDESK_TWILIO_AUTH_TOKEN."
            )
        self.default_from = default_from
        self.endpoint = api_base
        http = TwilioHttpClient(timeout=timeout_s)
        # The outbox worker sends from several threads at once; the SDK's pool keeps only
        # min(32, cores + 4) connections (and 10 for plain http), so with more senders than
        # that every send beyond it opened and threw away a connection.
        if http.session is not None:
            for scheme in ("https://", "http://"):
                http.session.mount(scheme, HTTPAdapter(pool_maxsize=max_connections))
        self._client = Client(account_sid, auth_token, http_client=http)
        # Every Programmable Messaging call goes through the "api" domain; its base URL
        # is the one knob the SDK offers for a different host (a stand-in in tests).
        self._client.api.base_url = api_base.rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioSmsSender:
        return cls(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            api_base=settings.twilio_api_base or DEFAULT_API_BASE,
        )

    def send(self, message: OutgoingMessage) -> str:
        sender = message.sender or self.default_from
        if not sender:
            raise PermanentSendError("no From number: give the business a phone number")
        body = str(message.payload.get("body") or "")
        try:
            created = self._client.messages.create(to=message.recipient, from_=sender, body=body)
        except TwilioRestException as exc:
            detail = f"twilio {exc.status} (code {exc.code}): {exc.msg}"
            if is_transient(int(exc.status)):
                raise TransientSendError(detail) from exc
            raise PermanentSendError(detail) from exc
        except requests.RequestException as exc:  # timeouts, refused connections
            raise TransientSendError(f"twilio unreachable: {exc}") from exc
        return str(created.sid)
