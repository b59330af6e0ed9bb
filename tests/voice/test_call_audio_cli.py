"""``frontdesk call --audio``: recorded speech through the streaming door, as Twilio would
play it, against a real server (speech stand-ins that read text-as-audio back)."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.cli import main
from frontdesk.cli_call_audio import AudioFileError, read_wav
from frontdesk.store.db import write_session
from frontdesk.store.models import Conversation, Tenant, TenantPhoneNumber
from frontdesk.voice import mulaw
from frontdesk.voice.vad import EnergyVAD
from tests.conftest import Business, serving, with_settings
from tests.voice.fakes import TextRecognizer, TextVoice, hear, speech

NUMBER = "+12125550100"
TOKEN = "cli-audio-token"


def wav_of(path: Path, audio_mulaw: bytes, *, rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(mulaw.decode(audio_mulaw))
    return path


def _streaming(client: TestClient, factory: sessionmaker[Session], biz: Business,
               mode: str = "stream") -> None:
    with write_session(factory) as session:
        tenant = session.get_one(Tenant, biz.tenant.id)
        tenant.voice_mode = mode
        session.add(TenantPhoneNumber(tenant_id=tenant.id, number_e164=NUMBER))
    client.app.state.speech = lambda lang: (  # type: ignore[attr-defined]
        TextRecognizer(), TextVoice(), EnergyVAD())


def test_recorded_speech_is_heard_answered_and_timed(
    client: TestClient, factory: sessionmaker[Session], biz: Business, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _streaming(client, factory, biz)
    said = wav_of(tmp_path / "said.wav", speech("what are your hours"))
    out = tmp_path / "agent.wav"
    with serving(client.app) as base:  # type: ignore[arg-type]
        with_settings(client.app, twilio_auth_token=TOKEN,  # type: ignore[arg-type]
                      public_base_url=base)
        code = main(["call", "--url", base, "--auth-token", TOKEN, "--to", NUMBER,
                     "--key", biz.api_key, "--audio", str(said), "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "you: what are your hours" in printed  # what the server heard, from the API
    assert "agent: " in printed and "thanks for calling" in printed.lower()
    assert "turn 1: end of speech → first audio: " in printed and " ms" in printed
    with wave.open(str(out), "rb") as wav:  # the agent's audio, as the caller got it
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        agent = mulaw.encode(wav.readframes(wav.getnframes()))
    assert "thanks for calling" in hear(agent).lower()
    with factory() as session:
        conversation = session.scalars(select(Conversation)).one()
    assert conversation.ended_at is not None  # the status callback ended the call


def test_a_turn_based_business_is_explained_not_streamed(
    client: TestClient, factory: sessionmaker[Session], biz: Business, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _streaming(client, factory, biz, mode="turns")
    said = wav_of(tmp_path / "said.wav", speech("hello"))
    with serving(client.app) as base:  # type: ignore[arg-type]
        with_settings(client.app, twilio_auth_token=TOKEN,  # type: ignore[arg-type]
                      public_base_url=base)
        code = main(["call", "--url", base, "--auth-token", TOKEN, "--to", NUMBER,
                     "--audio", str(said)])
    assert code == 2
    assert "voice_mode" in capsys.readouterr().err


def test_files_it_cannot_play_are_refused_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "not.wav").write_bytes(b"RIFF0000WAVEnope")
    with pytest.raises(AudioFileError, match="not a readable WAV"):
        read_wav(tmp_path / "not.wav")
    with wave.open(str(tmp_path / "eight.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(8000)
        wav.writeframes(b"\x80" * 800)
    with pytest.raises(AudioFileError, match="16-bit PCM"):
        read_wav(tmp_path / "eight.wav")


def test_any_rate_and_stereo_become_the_phone_line(tmp_path: Path) -> None:
    with wave.open(str(tmp_path / "stereo.wav"), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(b"\x10\x00\x00\x00" * 16000)  # 1 s; the right channel silent
    line = read_wav(tmp_path / "stereo.wav")
    assert abs(len(line) - 8000) <= 1  # one second at 8 kHz, one byte a sample
