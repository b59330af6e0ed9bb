"""Email through SendGrid's v3 Mail Send API (``POST /v3/mail/send``).

The outbox id travels as a custom arg (it comes back on SendGrid's event webhook) and as
a header; the answer to an accepted message is ``202`` with the ``X-Message-Id`` header.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx

from frontdesk.config import Settings
from frontdesk.senders.base import OutgoingMessage, PermanentSendError, TransientSendError
from frontdesk.senders.email_smtp import INVITE_FILENAME, OUTBOX_HEADER

CUSTOM_ARG = "frontdesk_outbox_id"


def mail_send_body(message: OutgoingMessage, from_addr: str) -> dict[str, Any]:
    """The v3 request body for one recipient."""
    payload = message.payload
    sender: dict[str, str] = {"email": from_addr}
    if payload.get("from_name"):
        sender["name"] = str(payload["from_name"])
    body: dict[str, Any] = {
        "personalizations": [
            {"to": [{"email": message.recipient}], "custom_args": {CUSTOM_ARG: message.id}}
        ],
        "from": sender,
        "subject": str(payload.get("subject") or ""),
        "content": [{"type": "text/plain", "value": str(payload.get("body") or "")}],
        "headers": {OUTBOX_HEADER: message.id},
    }
    if payload.get("reply_to"):
        body["reply_to"] = {"email": str(payload["reply_to"])}
    ics = payload.get("ics")
    if ics:
        method = str(payload.get("ics_method") or "REQUEST")
        body["attachments"] = [
            {
                "content": base64.b64encode(str(ics).encode("utf-8")).decode("ascii"),
                "type": f"text/calendar; method={method}",
                "filename": INVITE_FILENAME,
                "disposition": "attachment",
            }
        ]
    return body


class SendGridSender:
    name = "sendgrid"
    channel = "email"

    def __init__(
        self,
        *,
        api_key: str,
        from_addr: str,
        api_base: str = "https://api.sendgrid.com",
        timeout_s: float = 15.0,
        client: httpx.Client | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("SendGrid needs an API key (FRONTDESK_SENDGRID_API_KEY)")
        if "@" not in from_addr:
            raise ValueError("SendGrid needs a verified From address (FRONTDESK_EMAIL_FROM)")
        self.from_addr = from_addr
        self.endpoint = api_base
        self.url = api_base.rstrip("/") + "/v3/mail/send"
        self._client = client or httpx.Client(timeout=timeout_s)
        self._headers = {"Authorization": f"Bearer {api_key}"}

    @classmethod
    def from_settings(cls, settings: Settings) -> SendGridSender:
        return cls(
            api_key=settings.sendgrid_api_key,
            from_addr=settings.email_from,
            api_base=settings.sendgrid_api_base,
        )

    def close(self) -> None:
        self._client.close()

    def send(self, message: OutgoingMessage) -> str:
        try:
            response = self._client.post(
                self.url, json=mail_send_body(message, self.from_addr), headers=self._headers
            )
        except httpx.TransportError as exc:
            raise TransientSendError(f"SendGrid unreachable: {exc}") from exc
        status = response.status_code
        if status in (200, 202):
            return response.headers.get("X-Message-Id") or f"sendgrid-{message.id}"
        detail = f"SendGrid {status}: {response.text[:300]}"
        if status == 429 or status >= 500:
            raise TransientSendError(detail)
        if 400 <= status < 500:  # a bad request, key or sender: sending again won't help
            raise PermanentSendError(detail)
        raise TransientSendError(detail)
