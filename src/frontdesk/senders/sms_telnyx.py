"""SMS through Telnyx's Messaging API (``POST /v2/messages``) over its JSON wire format.

Each attempt carries ``Idempotency-Key: <outbox row id>`` (Telnyx's general idempotency
contract: the same key, method, path and byte-identical body within 24 hours replays
the first successful answer instead of sending again). Where Telnyx does not honour the
key on this endpoint, delivery is at most once per attempt, as with Twilio.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from frontdesk.config import Settings
from frontdesk.senders.base import OutgoingMessage, PermanentSendError, TransientSendError

DEFAULT_API_BASE = "https://api.telnyx.com"


def _error_detail(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors") or []
        first: dict[str, Any] = errors[0] if errors else {}
    except (ValueError, AttributeError, IndexError, TypeError):
        first = {}
    what = first.get("detail") or first.get("title") or response.text[:200]
    return f"telnyx {response.status_code} (code {first.get('code')}): {what}"


class TelnyxSmsSender:
    name = "telnyx"
    channel = "sms"

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str = DEFAULT_API_BASE,
        messaging_profile_id: str | None = None,
        default_from: str | None = None,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("Telnyx SMS needs FRONTDESK_TELNYX_API_KEY.")
        self.messaging_profile_id = messaging_profile_id or None
        self.default_from = default_from
        self.endpoint = api_base
        self._http = httpx.Client(
            base_url=api_base.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            timeout=timeout_s,
            transport=transport,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> TelnyxSmsSender:
        return cls(
            settings.telnyx_api_key,
            api_base=settings.telnyx_api_base or DEFAULT_API_BASE,
            messaging_profile_id=settings.telnyx_messaging_profile_id,
        )

    def close(self) -> None:
        self._http.close()

    def request_body(self, message: OutgoingMessage) -> bytes:
        """The JSON sent, byte-identical across retries (Telnyx compares bodies by bytes)."""
        sender = message.sender or self.default_from
        if not sender:
            raise PermanentSendError("no From number: give the business a phone number")
        body: dict[str, Any] = {
            "from": sender,
            "to": message.recipient,
            "text": str(message.payload.get("body") or ""),
        }
        if self.messaging_profile_id:
            body["messaging_profile_id"] = self.messaging_profile_id
        return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()

    def send(self, message: OutgoingMessage) -> str:
        content = self.request_body(message)
        try:
            response = self._http.post(
                "/v2/messages",
                content=content,
                headers={
                    "Content-Type": "application/json",
                    "Idempotency-Key": message.idempotency_key,
                },
            )
        except httpx.TransportError as exc:  # timeouts, refused connections
            raise TransientSendError(f"telnyx unreachable: {exc}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientSendError(_error_detail(response))
        if response.status_code >= 400:
            raise PermanentSendError(_error_detail(response))
        try:
            provider_id = response.json()["data"]["id"]
        except (ValueError, KeyError, TypeError) as exc:
            raise TransientSendError(f"telnyx answered without a message id: {exc}") from exc
        return str(provider_id)
