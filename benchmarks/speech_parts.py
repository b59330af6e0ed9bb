"""Per-part timings of the local speech providers (issue 15), p50/p95, as one JSON document.

    python -m benchmarks.speech_parts [--runs 15]

Parts: Silero VAD per 32 ms window (8 kHz), faster-whisper tiny.en on a ~3 s espeak-ng
utterance (16 kHz), and time to first audio chunk / whole utterance for espeak-ng and
Piper. A part whose package is absent is reported as ``{"skipped": reason}``.

In-run baseline: a fixed pure-Python workload (``cpu_reference``) timed before every
sample of every part. On a shared machine it rises with the load, so a part's figure is
read against the reference measured in the same run, and the load average is recorded
before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from typing import Any

from benchmarks.common import log, machine_info, percentile

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

UTTERANCE = "I would like a haircut tomorrow at three, please."
REPLY = "Thanks. I have you down for a haircut tomorrow at three. Is there anything else?"
reference_samples: list[float] = []


def cpu_reference() -> None:
    total = 0
    for value in range(20_000):
        total += value * value % 7
    assert total > 0


def _stats(samples: list[float]) -> dict[str, Any]:
    values = sorted(samples)
    return {"n": len(values), "p50_ms": round(percentile(values, 50) * 1000, 3),
            "p95_ms": round(percentile(values, 95) * 1000, 3)}


def _measure(action: Callable[[], Any], runs: int) -> list[float]:
    action()  # warm-up: first calls allocate
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        cpu_reference()
        reference_samples.append(time.perf_counter() - start)
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return samples


def _first_audio(tts: Any, text: str, runs: int) -> dict[str, Any]:
    first: list[float] = []
    whole: list[float] = []

    def once() -> None:
        start = time.perf_counter()
        stream = tts.synthesize(text, "en")
        next(stream)
        first.append(time.perf_counter() - start)
        for _ in stream:
            pass
        whole.append(time.perf_counter() - start)

    _measure(once, runs)
    first, whole = first[1:], whole[1:]  # drop the warm-up
    return {"sample_rate": tts.sample_rate, "first_audio": _stats(first),
            "whole_reply": _stats(whole)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    from frontdesk.speech.base import SpeechError
    from frontdesk.speech.espeak import EspeakTextToSpeech

    report: dict[str, Any] = {"benchmark": "speech_parts", "machine": machine_info(),
                              "runs": args.runs, "parts": {}}
    parts = report["parts"]
    espeak = EspeakTextToSpeech()
    utterance = b"".join(espeak.synthesize(UTTERANCE, "en"))
    report["utterance_seconds"] = round(len(utterance) / 2 / espeak.sample_rate, 2)

    log("espeak-ng")
    parts["tts_espeak_ng"] = _first_audio(espeak, REPLY, args.runs)
    log("piper")
    try:
        from frontdesk.speech.piper_tts import PiperTextToSpeech

        start = time.perf_counter()
        piper = PiperTextToSpeech()
        load = time.perf_counter() - start
        parts["tts_piper"] = {**_first_audio(piper, REPLY, args.runs),
                              "load_ms": round(load * 1000, 1)}
    except SpeechError as exc:
        parts["tts_piper"] = {"skipped": str(exc)}

    log("silero vad")
    try:
        import numpy as np

        from frontdesk.speech.silero_vad import SileroVoiceActivity

        vad = SileroVoiceActivity(8000)
        audio = np.frombuffer(utterance, dtype="<i2").astype(np.float32)
        phone = np.interp(np.linspace(0, audio.size - 1, round(audio.size * 8000 / 22050)),
                          np.arange(audio.size), audio).astype("<i2").tobytes()
        windows = [phone[i:i + 512] for i in range(0, len(phone) - 511, 512)]
        per_window: list[float] = []

        def all_windows() -> None:
            vad.reset()
            for window in windows:
                start = time.perf_counter()
                vad.is_speech(window)
                per_window.append(time.perf_counter() - start)

        _measure(all_windows, max(3, args.runs // 3))
        parts["vad_silero_8k_per_32ms_window"] = _stats(per_window[len(windows):])
    except (SpeechError, ImportError) as exc:
        parts["vad_silero_8k_per_32ms_window"] = {"skipped": str(exc)}

    log("faster-whisper")
    try:
        from frontdesk.speech.faster_whisper_stt import FasterWhisperSpeechToText

        start = time.perf_counter()
        stt = FasterWhisperSpeechToText()
        load = time.perf_counter() - start
        heard: list[str] = []
        samples = _measure(
            lambda: heard.append(stt.transcribe(utterance, espeak.sample_rate, "en")), args.runs
        )
        parts["stt_faster_whisper_tiny_en_int8"] = {
            **_stats(samples), "load_ms": round(load * 1000, 1), "heard": heard[-1],
        }
    except SpeechError as exc:
        parts["stt_faster_whisper_tiny_en_int8"] = {"skipped": str(exc)}

    report["baseline_cpu_reference"] = _stats(reference_samples)
    report["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
