"""The contract between the outbox worker and a provider (Twilio, Telnyx, SMTP, SendGrid).

One provider, one file, behind this Protocol; the worker owns retries and bookkeeping,
a provider only sends once and says how it went.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """What a provider is asked to send. ``idempotency_key`` is stable across retries
    (the outbox row's id): a provider that honours one never delivers twice."""

    id: str
    channel: str  # "sms" | "email"
    recipient: str
    payload: dict[str, Any] = field(default_factory=dict)
    sender: str | None = None  # the business's number or address, when it has one

    @property
    def idempotency_key(self) -> str:
        return self.id


class SendError(Exception):
    """A provider could not send."""


class TransientSendError(SendError):
    """Try again later: timeouts, 429, 5xx, a connection refused."""


class PermanentSendError(SendError):
    """Retrying will not help: an invalid number, an unsubscribed recipient, bad credentials."""


class Sender(Protocol):
    """Sends one message on one channel; returns the provider's id for it.

    A sender that calls one endpoint also has ``endpoint`` (its API base URL, or
    ``host:port``): the worker then guards it with that endpoint's circuit breaker."""

    name: str
    channel: str

    def send(self, message: OutgoingMessage) -> str: ...
