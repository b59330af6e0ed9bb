"""Telnyx Call Control commands over its REST API (``POST /v2/calls/{id}/actions/...``).

Every command is a JSON POST with ``Authorization: Bearer <API key>``; Telnyx answers
``{"data": {"result": "ok"}}`` and reports what happens next in webhooks. ``command_id``
makes a command idempotent per call: Telnyx ignores a repeat of one it already took.
Reference: https://developers.telnyx.com/api-reference/call-commands

Hearing the caller: ``gather_using_speak`` collects keypad digits only, so speech comes
from real-time transcription (``transcription_start``, reported in ``call.transcription``
webhooks; https://developers.telnyx.com/api-reference/call-commands/transcription-start
and https://developers.telnyx.com/docs/voice/programmable-voice/speech-to-text), which
runs beside the prompts until stopped. Streaming a call to our own pipeline: ``answer``
with ``stream_url`` and bidirectional RTP in PCMU (μ-law 8 kHz), as in
https://developers.telnyx.com/docs/voice/programmable-voice/media-streaming.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx

from frontdesk.telephony.base import CallCommandFailed, Voice

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://api.telnyx.com"
DEFAULT_TIMEOUT_S = 5.0
# gather_using_speak collects DTMF: any key ends the prompt, up to this many digits.
MAX_DIGITS = 16
GATHER_TIMEOUT_MS = 10_000
# Speech recognition: Telnyx's default engine (Google), which ends each utterance with a
# final result; interim results would only be more webhooks to ignore (ADR 0052).
TRANSCRIPTION_ENGINE = "Google"
# Streaming: the caller's audio only, and our audio back as raw μ-law RTP payloads.
STREAM_TRACK = "inbound_track"
STREAM_CODEC = "PCMU"


class TelnyxCallControl:
    """A small typed client for the Call Control commands the voice door issues."""

    def __init__(self, api_key: str, *, api_base: str = DEFAULT_API_BASE,
                 timeout_s: float = DEFAULT_TIMEOUT_S,
                 transport: httpx.BaseTransport | None = None) -> None:
        if not api_key:
            raise ValueError("Telnyx Call Control needs an API key (FRONTDESK_TELNYX_API_KEY).")
        self._client = httpx.Client(
            base_url=api_base.rstrip("/"), timeout=timeout_s, transport=transport,
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"})

    def close(self) -> None:
        self._client.close()

    # --- commands ----------------------------------------------------------------------

    def answer(self, call_id: str, *, command_id: str, stream_url: str | None = None,
               client_state: str | None = None) -> None:
        body: dict[str, Any] = {"command_id": command_id}
        if stream_url:
            body.update({"stream_url": stream_url, "stream_track": STREAM_TRACK,
                         "stream_codec": STREAM_CODEC, "stream_bidirectional_mode": "rtp",
                         "stream_bidirectional_codec": STREAM_CODEC})
        if client_state:
            body["client_state"] = client_state
        self._command(call_id, "answer", body)

    def start_transcription(self, call_id: str, language: str, *, command_id: str,
                            client_state: str | None = None) -> None:
        body: dict[str, Any] = {
            "transcription_engine": TRANSCRIPTION_ENGINE,
            "transcription_engine_config": {"transcription_engine": TRANSCRIPTION_ENGINE,
                                            "language": language, "interim_results": False},
            # "inbound": the leg we control, i.e. the caller, never our own prompts.
            "transcription_tracks": "inbound", "command_id": command_id}
        if client_state:
            body["client_state"] = client_state
        self._command(call_id, "transcription_start", body)

    def stop_transcription(self, call_id: str, *, command_id: str) -> None:
        self._command(call_id, "transcription_stop", {"command_id": command_id})

    def stop_gather(self, call_id: str, *, command_id: str) -> None:
        try:
            self._command(call_id, "gather_stop", {"command_id": command_id})
        except CallCommandFailed as exc:
            # 422: no gather in progress (it timed out, or the call ended): nothing to stop.
            if exc.extra.get("provider_status") != 422:
                raise
            log.info("telnyx gather_stop on %s: nothing to stop (%s)", call_id, exc.detail)

    def gather_using_speak(self, call_id: str, text: str, voice: Voice, *,
                           command_id: str, client_state: str | None = None) -> None:
        body: dict[str, Any] = {
            "payload": text, "payload_type": "text", "voice": voice.name,
            "language": voice.language, "minimum_digits": 1, "maximum_digits": MAX_DIGITS,
            "terminating_digit": "#", "timeout_millis": GATHER_TIMEOUT_MS,
            "command_id": command_id}
        if client_state:
            body["client_state"] = client_state
        self._command(call_id, "gather_using_speak", body)

    def speak(self, call_id: str, text: str, voice: Voice, *, command_id: str,
              client_state: str | None = None) -> None:
        body: dict[str, Any] = {"payload": text, "payload_type": "text", "voice": voice.name,
                                "language": voice.language, "command_id": command_id}
        if client_state:
            body["client_state"] = client_state
        self._command(call_id, "speak", body)

    def transfer(self, call_id: str, to: str, *, command_id: str) -> None:
        self._command(call_id, "transfer", {"to": to, "command_id": command_id})

    def hangup(self, call_id: str, *, command_id: str) -> None:
        self._command(call_id, "hangup", {"command_id": command_id})

    # --- the wire ----------------------------------------------------------------------

    def _command(self, call_id: str, action: str, body: dict[str, Any]) -> None:
        path = f"/v2/calls/{quote(call_id, safe='')}/actions/{action}"
        try:
            response = self._client.post(path, json=body)
        except httpx.HTTPError as exc:
            raise CallCommandFailed(f"Telnyx {action} on call {call_id}: {exc}.",
                                    action=action) from exc
        if response.is_success:
            return
        raise CallCommandFailed(
            f"Telnyx refused {action} on call {call_id}: HTTP {response.status_code} "
            f"{_error_detail(response)}", action=action, provider_status=response.status_code)


def _error_detail(response: httpx.Response) -> str:
    """The first of Telnyx's ``{"errors": [{"code", "title", "detail"}]}``, if any."""
    try:
        errors = response.json().get("errors") or []
        first = errors[0]
        return f"{first.get('code', '')} {first.get('title', '')}: {first.get('detail', '')}"
    except (ValueError, AttributeError, IndexError, KeyError):
        return response.text[:200]
