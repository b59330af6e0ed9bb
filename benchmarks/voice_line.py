"""A streaming phone line to measure: the real server on a loopback port, the demo salon
answering in streaming mode with the providers the settings choose, and simulated Twilio
callers (``media_stream_caller``) speaking espeak-ng audio in real time.

Shared by ``benchmarks.voice_to_voice`` and ``benchmarks.voice_capacity``.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from twilio.request_validator import RequestValidator

from frontdesk.channels import twilio_twiml
from frontdesk.cli_twilio import DEMO_TO
from frontdesk.config import Settings
from frontdesk.media_stream_caller import CallResult, StreamCaller, Turn
from frontdesk.speech.espeak import EspeakTextToSpeech
from frontdesk.voice import mulaw
from frontdesk.voice.resample import Resampler

TOKEN = "bench-twilio-token"
LINES = [
    "What are your opening hours?",
    "I would like to book a haircut on Tuesday at 10 am.",
    "Do you have parking near the salon?",
    "How much is a haircut?",
]


def caller_audio(lines: list[str]) -> list[bytes]:
    """Each line as a caller would sound on the phone: espeak-ng, 8 kHz μ-law."""
    voice = EspeakTextToSpeech()
    return [mulaw.encode(Resampler(voice.sample_rate).feed(b"".join(voice.synthesize(
        line, "en")))) for line in lines]


@contextmanager
def streaming_server(**settings: Any) -> Iterator[tuple[str, Any]]:
    """The server, its demo salon streaming; yields (base URL, app)."""
    from frontdesk.app import create_app
    from frontdesk.services.demo import seed_demo
    from frontdesk.store.db import make_session_factory, write_session
    from frontdesk.store.models import Tenant

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data:
        config = Settings(database_url=f"sqlite:///{Path(data) / 'bench.db'}", data_dir=Path(data),
                          twilio_auth_token=TOKEN, public_base_url=base, outbox_worker=False,
                          rate_limit_ip="", rate_limit_phone="", rate_limit_api_key="",
                          **settings)
        app = create_app(config)
        factory = make_session_factory(app.state.engine)
        seed_demo(factory)
        with write_session(factory) as session:
            for tenant in session.query(Tenant).all():
                tenant.voice_mode = "stream"
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning", ws_max_size=1 << 20,
                                               ws_per_message_deflate=False))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            yield base, app
        finally:
            server.should_exit = True
            thread.join(timeout=10)


def ring(base: str, caller: str, token: str = TOKEN) -> tuple[str, str]:
    """Twilio's first webhook for a new call: (call SID, the stream URL answered)."""
    call_sid = "CA" + secrets.token_hex(16)
    params = {"AccountSid": "AC" + "0" * 32, "ApiVersion": "2010-04-01", "CallSid": call_sid,
              "CallStatus": "ringing", "Direction": "inbound", "From": caller, "To": DEMO_TO}
    signature = RequestValidator(token).compute_signature(base + twilio_twiml.VOICE_PATH, params)
    answer = httpx.post(base + twilio_twiml.VOICE_PATH, data=params,
                        headers={"X-Twilio-Signature": signature}, timeout=30)
    stream = ET.fromstring(answer.text).find("Connect/Stream")
    if stream is None:
        raise RuntimeError(f"the salon did not stream the call: {answer.text}")
    return call_sid, stream.get("url", "")


async def one_call(base: str, caller: str, turns: list[bytes], *,
                   pause_s: float = 0.8, token: str = TOKEN) -> CallResult:
    call_sid, url = await asyncio.to_thread(ring, base, caller, token)
    return await StreamCaller(call_sid, pause_s=pause_s, answer_timeout_s=60).call(
        url, [Turn(audio) for audio in turns])
