"""Cloud speech providers' timings (issue 15): recognition latency and a voice's time to
first audio, p50/p95, as one JSON document.

    PYTHONPATH=src:. python -m benchmarks.speech_cloud [--runs 20] [--live]

By default against the local stand-ins (tests/standins/openai_audio.py and deepgram.py,
real HTTP on 127.0.0.1): the figures are what our providers and the SDK add on top of a
server that answers at once — the floor, not a cloud's speed. With ``--live``, each cloud
provider whose key is in the settings (FRONTDESK_SPEECH_OPENAI_API_KEY,
FRONTDESK_SPEECH_DEEPGRAM_API_KEY, and their base URLs) is measured instead, with an
espeak-ng utterance at 8 kHz as the caller's audio; one without a key is skipped.
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from tests.standins.deepgram import Deepgram, deepgram_app
from tests.standins.openai_audio import OpenAIAudio, openai_audio_app
from tests.standins.pcm import tone

from benchmarks.common import log, machine_info, percentile
from frontdesk.config import Settings
from frontdesk.speech.base import SpeechError, SpeechToText, TextToSpeech
from frontdesk.speech.providers import build_recognizer, build_voice

UTTERANCE = {"en": "I would like a haircut tomorrow at three, please.",
             "es": "Quisiera un corte de pelo mañana a las tres, por favor."}
REPLY = {"en": "Thanks. I have you down for a haircut tomorrow at three.",
         "es": "Gracias. Le apunto para un corte de pelo mañana a las tres."}


@contextmanager
def _serving(app: FastAPI) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _stats(samples: list[float]) -> dict[str, Any]:
    values = sorted(samples)
    return {"n": len(values), "p50_ms": round(percentile(values, 50) * 1000, 1),
            "p95_ms": round(percentile(values, 95) * 1000, 1)}


def _caller_audio(language: str, live: bool) -> bytes:
    """What the recognizer hears: 2 s of tone for a stand-in, real speech for a cloud."""
    if not live:
        return tone(2.0, 8000)
    from frontdesk.speech.espeak import EspeakTextToSpeech
    from frontdesk.voice.resample import Resampler

    espeak = EspeakTextToSpeech()
    return Resampler(espeak.sample_rate, 8000).feed(
        b"".join(espeak.synthesize(UTTERANCE[language], language)))


def _measure(stt: SpeechToText, tts: TextToSpeech, language: str, runs: int,
             live: bool) -> dict[str, Any]:
    audio = _caller_audio(language, live)
    recognized, first, whole, heard = [], [], [], ""
    for run in range(runs + 1):  # the first run warms the connection pool up
        start = time.perf_counter()
        heard = stt.transcribe(audio, 8000, language)
        took = time.perf_counter() - start
        start = time.perf_counter()
        stream = tts.synthesize(REPLY[language], language)
        next(stream)
        first_at = time.perf_counter() - start
        for _ in stream:
            pass
        if run:
            recognized.append(took)
            first.append(first_at)
            whole.append(time.perf_counter() - start)
    return {"stt": _stats(recognized), "tts_first_audio": _stats(first),
            "tts_whole_reply": _stats(whole), "tts_sample_rate": tts.sample_rate,
            "heard": heard}


def _providers(settings: Settings, runs: int, live: bool) -> dict[str, Any]:
    results: dict[str, Any] = {}
    keys = {"openai": settings.speech_openai_api_key,
            "deepgram": settings.speech_deepgram_api_key}
    for name in ("openai", "deepgram"):
        if live and not keys[name]:
            results[name] = {"skipped": f"FRONTDESK_SPEECH_{name.upper()}_API_KEY is not set"}
            continue
        stt, tts = build_recognizer(settings, name), build_voice(settings, name)
        for language in ("en", "es"):
            log(f"{name} {language}")
            try:
                results[f"{name}_{language}"] = _measure(stt, tts, language, runs, live)
            except SpeechError as exc:
                results[f"{name}_{language}"] = {"failed": str(exc)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--live", action="store_true",
                        help="measure the configured cloud providers, not the stand-ins")
    args = parser.parse_args()
    report: dict[str, Any] = {"benchmark": "speech_cloud", "machine": machine_info(),
                              "runs": args.runs, "against": "live" if args.live else "stand-ins"}
    if args.live:
        report["providers"] = _providers(Settings(), args.runs, live=True)
    else:
        openai_server, deepgram_server = OpenAIAudio(), Deepgram()
        with _serving(openai_audio_app(openai_server)) as openai_url, \
                _serving(deepgram_app(deepgram_server)) as deepgram_url:
            for server in (openai_server, deepgram_server):
                server.recognizes(_caller_audio("en", live=False), "(2 s of stand-in audio)")
            settings = Settings(
                speech_openai_base_url=openai_url + "/v1",
                speech_openai_api_key=openai_server.api_key,
                speech_deepgram_base_url=deepgram_url,
                speech_deepgram_api_key=deepgram_server.api_key)
            report["providers"] = _providers(settings, args.runs, live=False)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
