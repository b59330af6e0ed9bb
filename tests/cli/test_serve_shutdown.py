"""``frontdesk serve`` on SIGTERM, as a real process: a streamed call held open hears the
closing line and is hung up, a chat turn in flight is answered, a new request gets 503
with Retry-After while the server drains, and the process exits 0 within its grace.

The server runs its real speech (espeak-ng's voice; the caller says nothing, so nothing
is recognised), a stand-in LLM that holds the chat turn open, and a simulated Twilio
caller (``media_stream_caller``) that plays our audio at the telephone's pace and sends
the marks back."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, select

from frontdesk.channels.twilio_twiml import VOICE_PATH
from frontdesk.cli_twilio import signed_post
from frontdesk.conversation.call_lines import line
from frontdesk.media_stream_caller import StreamCaller
from frontdesk.services.tenants import TenantFields, create_api_key, create_tenant
from frontdesk.store.db import make_session_factory, write_session
from frontdesk.store.models import Conversation, ConversationTurn, TenantPhoneNumber
from tests.conversation.standin_openai import StandIn

ROOT = Path(__file__).resolve().parents[2]
NUMBER = "+12125550100"
TOKEN = "shutdown-test-token"
GRACE_S = 25

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                reason="espeak-ng (the server's voice here) is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def business(sqlite_engine: Engine) -> str:
    """A business that streams its calls, on the test's SQLite file; its API key."""
    with write_session(make_session_factory(sqlite_engine)) as session:
        tenant = create_tenant(session, "salon", TenantFields(name="Salon",
                                                              timezone="America/New_York"))
        tenant.voice_mode = "stream"
        session.add(TenantPhoneNumber(tenant_id=tenant.id, number_e164=NUMBER))
        _, key = create_api_key(session, tenant)
    return key


@pytest.fixture
def llm() -> Iterator[StandIn]:
    standin = StandIn().start()
    yield standin
    standin.stop()


@pytest.fixture
def server(sqlite_engine: Engine, business: str, llm: StandIn,
           tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update({
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "FRONTDESK_DATABASE_URL": sqlite_engine.url.render_as_string(),
        "FRONTDESK_DATA_DIR": str(tmp_path / "data"),
        "FRONTDESK_PORT": str(port),
        "FRONTDESK_TWILIO_AUTH_TOKEN": TOKEN,
        "FRONTDESK_PUBLIC_BASE_URL": base,
        "FRONTDESK_SHUTDOWN_GRACE_S": str(GRACE_S),
        "FRONTDESK_LLM_BASE_URL": llm.url,
        "FRONTDESK_SPEECH_TTS": "espeak",
        "FRONTDESK_RATE_LIMIT_API_KEY": "", "FRONTDESK_RATE_LIMIT_IP": "",
        "FRONTDESK_RATE_LIMIT_PHONE": "",
    })
    sqlite_engine.dispose()
    proc = subprocess.Popen([sys.executable, "-m", "frontdesk", "serve"], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    try:
        started = time.monotonic()
        while True:  # up: /health answers (a start bound, not a measurement)
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() - started > 90:
                pytest.fail("the server did not start")
            time.sleep(0.1)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _stream_url(base: str, call_sid: str) -> str:
    params = {"AccountSid": "AC" + "1" * 32, "CallSid": call_sid, "CallStatus": "ringing",
              "Direction": "inbound", "From": "+12125550199", "To": NUMBER,
              "Caller": "+12125550199", "Called": NUMBER, "ApiVersion": "2010-04-01"}
    document = signed_post(base, base, TOKEN, VOICE_PATH, params)
    stream = ET.fromstring(document).find("Connect/Stream")
    assert stream is not None, document  # the business streams: <Connect><Stream>
    return str(stream.get("url"))


def test_sigterm_drains_calls_and_turns_then_exits_0(
    server: tuple[subprocess.Popen[str], str], business: str, llm: StandIn,
    sqlite_engine: Engine,
) -> None:
    proc, base = server
    headers = {"Authorization": f"Bearer {business}"}
    call_sid = "CA" + "2" * 32
    url = _stream_url(base, call_sid)
    llm.stall("We open at nine.", 3.0)  # the chat turn's model answers after a while
    chat: dict[str, httpx.Response] = {}

    def chat_turn() -> None:
        chat["response"] = httpx.post(base + "/api/v1/chat", headers=headers, timeout=60,
                                      json={"message": "when do you open tomorrow?"})

    async def the_call() -> tuple[StreamCaller, int, httpx.Response, bool]:
        caller = StreamCaller(call_sid)
        async with caller.connected(url):
            await caller.hear_out()  # the greeting, heard to its end
            before = len(caller.result.agent_audio)
            chatting = threading.Thread(target=chat_turn)
            chatting.start()
            while True:  # until the turn is in flight: the model was asked
                if llm.requests:
                    break
                await asyncio.sleep(0.02)
            proc.send_signal(signal.SIGTERM)
            refused = None
            while refused is None:  # the signal lands: new work is refused from then on
                answer = await asyncio.to_thread(
                    httpx.get, base + "/api/v1/services", headers=headers, timeout=10)
                if answer.status_code == 503:
                    refused = answer
            hung_up = await caller.hold(GRACE_S)
            await asyncio.to_thread(chatting.join)
        return caller, before, refused, hung_up

    caller, before, refused, hung_up = asyncio.run(the_call())
    code = proc.wait(timeout=GRACE_S + 15)  # the bound: the grace, and a margin to exit
    assert code == 0, proc.stdout.read() if proc.stdout else ""

    # New work was refused while draining, with a problem and when to come back.
    assert refused.headers["retry-after"].isdigit()
    assert refused.json()["code"] == "shutting_down"
    # The turn in flight was answered, with the model's words.
    assert chat["response"].status_code == 200
    assert "nine" in chat["response"].json()["reply"]
    # The caller heard more audio after the signal (the closing line), then we hung up.
    assert hung_up and caller.result.hung_up_by_agent
    assert len(caller.result.agent_audio) - before > 8000  # over a second of speech
    factory = make_session_factory(sqlite_engine)
    with factory() as session:
        conversation = session.scalars(
            select(Conversation).where(Conversation.external_id == call_sid)).one()
        last = session.scalars(
            select(ConversationTurn).where(ConversationTurn.conversation_id == conversation.id)
            .order_by(ConversationTurn.seq.desc()).limit(1)).one()
    assert (last.role, last.text) == ("assistant", line("closing", "en"))
    assert conversation.ended_at is not None and conversation.outcome == "abandoned"
