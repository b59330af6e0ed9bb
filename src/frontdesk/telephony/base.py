"""What frontdesk needs from a programmable-voice provider: a handful of commands on a
call in progress (``CallControl``), and placing a call (``CallPlacer``).

Each command carries a ``command_id``: the provider ignores a repeat of the same id on
the same call, so a retried webhook may re-issue its commands without doubling them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from frontdesk.errors import FrontdeskError


class CallCommandFailed(FrontdeskError):
    """The provider refused or did not answer a call command (retry the webhook)."""

    code = "call_command_failed"
    status = 502
    title = "The telephony provider did not accept a call command"


class CallsNotConfigured(FrontdeskError):
    code = "calls_not_configured"
    status = 503
    title = "Outbound calling is not configured"


class CallRefused(FrontdeskError):
    """The provider refused the call for good (an invalid number, no permission)."""

    code = "call_rejected"
    status = 422
    title = "The provider refused the call"


class CallProviderDown(FrontdeskError):
    """The provider did not accept the request now (try again). ``maybe_placed``: the
    request may have reached it (a timeout), so it may have dialled all the same."""

    code = "call_provider_unavailable"
    status = 502
    title = "The provider did not accept the call request"

    def __init__(self, detail: str, *, maybe_placed: bool = False, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.maybe_placed = maybe_placed


@dataclass(frozen=True, slots=True)
class Voice:
    """A text-to-speech voice and the locale it speaks (and listens) in."""

    name: str
    language: str


class CallControl(Protocol):
    def answer(self, call_id: str, *, command_id: str, stream_url: str | None = None,
               client_state: str | None = None) -> None:
        """Pick up; with ``stream_url``, also stream the call both ways over that socket."""
        ...

    def start_transcription(self, call_id: str, language: str, *, command_id: str,
                            client_state: str | None = None) -> None:
        """Transcribe what the caller says (``language``: "en", "es") until stopped."""
        ...

    def stop_transcription(self, call_id: str, *, command_id: str) -> None: ...

    def stop_gather(self, call_id: str, *, command_id: str) -> None:
        """End the prompt and key collection in progress (none in progress: no error)."""
        ...

    def gather_using_speak(self, call_id: str, text: str, voice: Voice, *,
                           command_id: str, client_state: str | None = None) -> None: ...

    def speak(self, call_id: str, text: str, voice: Voice, *, command_id: str,
              client_state: str | None = None) -> None: ...

    def transfer(self, call_id: str, to: str, *, command_id: str) -> None: ...

    def hangup(self, call_id: str, *, command_id: str) -> None: ...


class CallPlacer(Protocol):
    """Asks a provider to dial a number; what happens next arrives on the voice webhooks.

    Only the wire call: whether the number may be called, and the call's record, are the
    service's (``frontdesk.services.outbound_calls``).
    """

    name: str  # the provider, as it appears in the call's records

    def place(self, to: str, from_: str, *, reference: str | None = None) -> str:
        """Dial ``to`` (E.164) from ``from_`` (one of the business's numbers, E.164);
        returns the provider's id for the call. ``reference`` (our id for the call) comes
        back on the call's webhooks, so they find the call even before ``place`` returns.
        Raises ``CallRefused``, ``CallProviderDown`` or ``CallsNotConfigured``."""
        ...

    def find_placed(self, to: str, from_: str, since: datetime) -> str | None:
        """The id of a call to ``to`` from ``from_`` created at or after ``since``, if the
        provider has one: how a retry learns whether a try that died mid-request
        dialled (providers keep no idempotency key for calls)."""
        ...
