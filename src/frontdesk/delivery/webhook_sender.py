"""The outbox's "webhook" channel: POSTs a signed event to a business's endpoint.

The recipient is the endpoint's id; the payload is the event exactly as sent (its
``id`` is the ``webhook-id`` header, the same on every attempt and replay, so receivers
deduplicate on it). Each attempt is signed afresh (Standard Webhooks: the timestamp is
the attempt's) and logged in ``webhook_deliveries`` with its status code or error.

Like Svix: a 2xx answer is delivered; any other answer, a timeout or a refused
connection is retried with the outbox's backoff; a redirect is not followed (it counts
as a failure); 410 Gone disables the endpoint at once. A run of failures long enough
disables it too (``frontdesk.services.webhook_deliveries``). The connection goes
through the same address policy as calendar servers (``guarded_session``), checked for
every connection, so a name that now resolves to a private address is refused.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

import niquests
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.calendars.address_guard import AddressPolicy, refusal_behind
from frontdesk.calendars.guarded_http import guarded_session
from frontdesk.config import Settings
from frontdesk.senders import webhook_signing
from frontdesk.senders.base import OutgoingMessage, PermanentSendError, TransientSendError
from frontdesk.services.webhook_deliveries import (
    Attempt,
    DisablePolicy,
    Target,
    excerpt,
    record_attempt,
    target_for,
)
from frontdesk.services.webhook_endpoints import address_policy

USER_AGENT = "frontdesk-webhooks/1"
GONE = 410


def _error_text(exc: Exception, timeout_s: float) -> str:
    refused = refusal_behind(exc)
    if refused is not None:
        return f"address refused: {refused}"
    if isinstance(exc, niquests.exceptions.Timeout):
        return f"timeout: no answer within {timeout_s:g} s"
    if isinstance(exc, niquests.exceptions.ConnectionError):
        return f"connection failed: {type(exc).__name__}"
    return f"request failed: {type(exc).__name__}"


class WebhookSender:
    name = "webhook"
    channel = "webhook"

    def __init__(self, factory: sessionmaker[Session], settings: Settings, *,
                 policy: AddressPolicy | None = None) -> None:
        self.factory, self.settings = factory, settings
        self.policy = policy or address_policy(settings)
        self.timeout_s = settings.webhook_timeout_s
        self.disable_policy = DisablePolicy.from_settings(settings)

    def _target(self, message: OutgoingMessage) -> Target:
        try:
            endpoint_id = uuid.UUID(message.recipient)
        except ValueError as exc:
            raise PermanentSendError(f"not a webhook endpoint: {message.recipient!r}") from exc
        try:
            target = target_for(self.factory, endpoint_id, self.settings)
        except ValueError as exc:  # the secret does not decrypt with this key
            raise PermanentSendError(str(exc)) from exc
        if target is None:
            raise PermanentSendError("the webhook endpoint was deleted")
        if not target.enabled:
            raise PermanentSendError("the webhook endpoint is disabled")
        return target

    def send(self, message: OutgoingMessage) -> str:
        target = self._target(message)
        event_id = str(message.payload.get("id") or message.id)
        body = json.dumps(message.payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            **webhook_signing.headers(target.secrets, event_id, body),
            "content-type": "application/json",
            "user-agent": USER_AGENT,
        }
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        answer: str | None = None
        try:
            with guarded_session(self.policy) as http:
                response = http.post(target.url, data=body, headers=headers,
                                     timeout=self.timeout_s, allow_redirects=False, stream=True)
                try:
                    status = response.status_code
                    # At most a KB of the answer is read: the log keeps no more.
                    answer = excerpt(next(response.iter_content(1024), b"") or b"")
                finally:
                    response.close()
        except (niquests.exceptions.RequestException, OSError) as exc:
            error = _error_text(exc, self.timeout_s)
        attempt = Attempt(
            endpoint_id=target.endpoint_id, tenant_id=target.tenant_id,
            outbox_id=uuid.UUID(message.id), event_id=event_id,
            event_type=str(message.payload.get("type") or ""), attempt=0,
            duration_ms=round((time.monotonic() - started) * 1000), status_code=status,
            error=error, response_excerpt=answer)
        disabled = record_attempt(self.factory, attempt, self.disable_policy,
                                  gone=status == GONE, now=datetime.now(UTC))
        if attempt.delivered:
            return event_id
        what = f"HTTP {status}" if status is not None else (error or "no answer")
        if disabled is not None:
            raise PermanentSendError(f"{what}; endpoint disabled: {disabled}")
        raise TransientSendError(what)
