"""``frontdesk call --audio FILE.wav``: phone the front desk with recorded speech, through
the streaming door, as Twilio would.

It rings the signed voice webhook like ``frontdesk call``; the business must answer with
a media stream (its voice mode is "stream" and the server has speech providers for the
call). Then it plays Twilio's part of Media Streams in real time
(``media_stream_caller``): each WAV file is one thing the caller says, spoken once
the agent has finished its previous answer; the agent's audio is "played" at the
telephone's pace and written to a WAV file. At the end it prints the call's transcript
both ways (what the server heard and what the agent said, from the API) and, per turn,
``end of speech → first audio: N ms``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import urllib.request
import wave
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Protocol

from frontdesk.channels.twilio_twiml import VOICE_PATH
from frontdesk.media_stream_caller import CallResult, StreamCaller, Turn
from frontdesk.voice import mulaw
from frontdesk.voice.resample import Resampler


class AudioFileError(Exception):
    """A caller's audio file this command cannot play."""


def read_wav(path: Path) -> bytes:
    """A 16-bit PCM WAV file (any rate; the first channel) as 8 kHz μ-law."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2 or wav.getcomptype() != "NONE":
                raise AudioFileError(f"{path}: only 16-bit PCM WAV files can be played "
                                     "(convert with: sox IN.wav -b 16 OUT.wav)")
            channels, rate = wav.getnchannels(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise AudioFileError(f"{path}: not a readable WAV file ({exc})") from exc
    if channels > 1:  # the first channel: a phone line is mono
        width = 2 * channels
        frames = b"".join(frames[i:i + 2] for i in range(0, len(frames), width))
    return mulaw.encode(Resampler(rate, 8000).feed(frames))


def write_wav(path: Path, audio: bytes) -> None:
    """The agent's μ-law audio as a 16-bit 8 kHz WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(mulaw.decode(audio))


def stream_url(document: str) -> str | None:
    stream = ET.fromstring(document).find("Connect/Stream")
    return None if stream is None else stream.get("url")


def transcript(url: str, key: str, call_sid: str) -> list[dict[str, Any]]:
    """The call's turns as the API gives them (empty when the key cannot read them)."""
    def get(path: str) -> Any:
        request = urllib.request.Request(url.rstrip("/") + path,
                                         headers={"Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    try:
        for summary in get("/api/v1/conversations?channel=phone&limit=20"):
            found = get(f"/api/v1/conversations/{summary['id']}")
            if found.get("external_id") == call_sid:
                return [t for t in found.get("turns", []) if t.get("role") in ("user", "assistant")]
    except (OSError, ValueError, KeyError):
        return []
    return []


class SignedCall(Protocol):
    """The call's signed Twilio webhooks (``cli_call.PhoneCall``)."""

    call_sid: str

    def params(self, status: str = "in-progress", **extra: str) -> dict[str, str]: ...

    def post(self, path: str, params: dict[str, str]) -> str: ...

    def status(self, status: str, **extra: str) -> None: ...


def play(args: argparse.Namespace, phone: SignedCall, public_url: str) -> int:
    from frontdesk.cli_twilio import WebhookFailed

    try:
        turns = [Turn(read_wav(Path(name))) for name in args.audio]
    except AudioFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        answer = phone.post(VOICE_PATH, phone.params("ringing"))
    except WebhookFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    url = stream_url(answer)
    if url is None:
        print("error: the business answered turn by turn, not with a media stream. Set its "
              "voice mode to streaming (dashboard: Settings → Voice, or PATCH /api/v1/tenant "
              "{\"voice_mode\": \"stream\"}) and check the server log: it says when no "
              "speech providers serve the call's language (FRONTDESK_SPEECH_*).",
              file=sys.stderr)
        return 2
    # The stream URL names the public address; the socket goes where --url points.
    local = url.replace(public_url.rstrip("/").replace("http", "ws", 1),
                        args.url.rstrip("/").replace("http", "ws", 1), 1)
    print(f"calling {args.to} from {args.caller}: streaming {len(turns)} audio file(s)",
          flush=True)
    result: CallResult = asyncio.run(StreamCaller(phone.call_sid).call(local, turns))
    phone.status("completed")
    out = Path(args.out)
    write_wav(out, result.agent_audio)
    for turn in transcript(args.url, args.key, phone.call_sid):
        who = "you" if turn["role"] == "user" else "agent"
        print(f"{who}: {turn.get('text') or ''}")
    for n, turn_result in enumerate(result.turns, start=1):
        latency = "no answer" if turn_result.latency_ms is None else \
            f"{turn_result.latency_ms:.0f} ms"
        cut = " (you talked over it: cleared)" if turn_result.cleared else ""
        print(f"turn {n}: end of speech → first audio: {latency}{cut}")
    seconds = len(result.agent_audio) / 8000
    print(f"the agent's audio ({seconds:.1f} s) is in {out}")
    return 0
