"""How many streamed calls one server process carries (issue 15), with local speech and
with cloud speech (where the process only relays audio), and the CPU and memory a call
costs.

    python -m benchmarks.voice_capacity [--local 1,2,3,4] [--cloud 25,50,100,200]

The server is a separate process (``frontdesk serve --demo``; its CPU time and memory
are read from /proc), its demo salon streaming. At each level that many simulated Twilio
callers (media_stream_caller.py, in this process) ring (spread over ten seconds, as
calls arrive) and each says two espeak-ng lines in real time, a frame every 20 ms, hearing
each answer out. A level holds when every turn is answered and voice-to-voice p95 stays
under ``--p95-limit-ms``.

Local speech: faster-whisper tiny.en and espeak-ng in the server process. Cloud speech:
the OpenAI-compatible audio endpoints, played by a stand-in in its own process that answers
after a fixed network-like delay (``STT_DELAY_S``, ``TTS_DELAY_S``), so the figure is the
relay's own cost. In-run baseline: the same server with no calls (idle CPU and memory).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from benchmarks.common import log, machine_info, percentile
from benchmarks.voice_line import caller_audio, one_call

DEMO_TOKEN = "demo-twilio-token"
DEMO_KEY = "fd_demo_salon_key"
LINES = ["What are your opening hours?", "Do you have parking near the salon?"]
STT_DELAY_S = 0.15  # a cloud recognizer's answer, as seen from a server near it
TTS_DELAY_S = 0.10  # a cloud voice's first audio
HEARD = "What are your opening hours?"
RAMP_S = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the cloud speech stand-in ----------------------------------------------------------


def cloud_standin() -> FastAPI:
    app = FastAPI()

    @app.post("/v1/audio/transcriptions")
    async def transcribe(request: Request) -> JSONResponse:
        await request.body()
        await asyncio.sleep(STT_DELAY_S)
        return JSONResponse({"text": HEARD})

    @app.post("/v1/audio/speech")
    async def speak(request: Request) -> StreamingResponse:
        text = str((await request.json()).get("input", ""))
        seconds = min(6.0, 0.06 * len(text))  # about as long as saying it

        async def audio() -> AsyncIterator[bytes]:
            await asyncio.sleep(TTS_DELAY_S)
            t = np.arange(int(24000 * seconds)) / 24000
            pcm = (3000 * np.sin(2 * np.pi * 220 * t)).astype("<i2").tobytes()
            for start in range(0, len(pcm), 9600):  # 200 ms a chunk
                yield pcm[start:start + 9600]

        return StreamingResponse(audio(), media_type="application/octet-stream")

    return app


@contextmanager
def standin_process(port: int) -> Iterator[None]:
    """The stand-in in its own process: the callers' work never delays its answers."""
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.voice_capacity",
                                "--serve-standin", str(port)])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the stand-in did not start") from None
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- the server process -----------------------------------------------------------------


@contextmanager
def server_process(env: dict[str, str]) -> Iterator[tuple[str, int]]:
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        # Its log goes to a file (a pipe nobody reads fills up and stops the server).
        server_log = open(Path(data) / "server.log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(
            [sys.executable, "-m", "frontdesk", "serve", "--demo", "--port", str(port)],
            env={**os.environ, "FRONTDESK_DATA_DIR": data, "FRONTDESK_RATE_LIMIT_IP": "",
                 "FRONTDESK_RATE_LIMIT_PHONE": "", "FRONTDESK_RATE_LIMIT_API_KEY": "",
                 "FRONTDESK_LOG_LEVEL": "warning", **env},
            stdout=server_log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base + "/health", timeout=1)
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError("the server did not start") from None
                    time.sleep(0.2)
            request = urllib.request.Request(
                base + "/api/v1/tenant", method="PATCH", data=b'{"voice_mode": "stream"}',
                headers={"Authorization": f"Bearer {DEMO_KEY}",
                         "Content-Type": "application/json"})
            urllib.request.urlopen(request, timeout=10)
            yield base, process.pid
        finally:
            process.terminate()
            process.wait(timeout=20)
            server_log.close()
            problems = [line for line in (Path(data) / "server.log").read_text(
                errors="replace").splitlines() if ("WARNING" in line or "ERROR" in line)
                and "SMS to" not in line]  # the demo's texts are printed as warnings
            for line in dict.fromkeys(problems):
                log(f"server log: {line[:300]}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- one level --------------------------------------------------------------------------


async def level(base: str, calls: int, turns: list[bytes]) -> list[Any]:
    async def caller(n: int) -> Any:
        # Calls ring over RAMP_S (as calls arrive, not all in one breath: identical callers
        # started together would end every turn in the same moment).
        await asyncio.sleep(RAMP_S * n / max(1, calls))
        try:
            return await one_call(base, f"+1212556{n:04d}", turns, token=DEMO_TOKEN)
        except Exception as exc:  # noqa: BLE001 - a failed call is a result here
            return exc

    return list(await asyncio.gather(*(caller(n) for n in range(calls))))


def measure(base: str, pid: int, calls: int, turns: list[bytes],
            limit_ms: float) -> dict[str, Any]:
    cpu0, wall0, mine0 = cpu_seconds(pid), time.monotonic(), time.process_time()
    results = asyncio.run(level(base, calls, turns))
    wall, cpu = time.monotonic() - wall0, cpu_seconds(pid) - cpu0
    callers_cpu = (time.process_time() - mine0) / wall
    failed = [str(r) for r in results if isinstance(r, Exception)]
    done = [r for r in results if not isinstance(r, Exception)]
    latencies = sorted(t.latency_ms for r in done for t in r.turns if t.latency_ms is not None)
    unanswered = sum(1 for r in done for t in r.turns if t.latency_ms is None)
    p95 = percentile(latencies, 95) if latencies else float("inf")
    out = {
        "calls": calls, "failed_calls": len(failed), "first_failure": failed[:1],
        "turns_answered": len(latencies), "turns_unanswered": unanswered,
        "p50_ms": round(percentile(latencies, 50)) if latencies else None,
        "p95_ms": round(p95) if latencies else None,
        "server_cpu_cores": round(cpu / wall, 3),
        "server_cpu_cores_per_call": round(cpu / wall / calls, 4),
        # CPU seconds a whole call cost the server: steadier than the rates above when
        # other work shares the machine (it does not depend on how long the level took).
        "server_cpu_s_per_call": round(cpu / calls, 3),
        "server_rss_mib": round(rss_mib(pid)),
        # The simulated callers share the machine: near one core, they are the limit.
        "callers_cpu_cores": round(callers_cpu, 3),
        "holds": not failed and not unanswered and p95 < limit_ms,
    }
    log(json.dumps(out))
    return out


def run(env: dict[str, str], levels: list[int], turns: list[bytes],
        limit_ms: float) -> dict[str, Any]:
    with server_process(env) as (base, pid):
        # Warm up (models load on the first call) and read the idle baseline.
        asyncio.run(level(base, 1, turns[:1]))
        time.sleep(1.0)
        idle0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(3.0)
        idle = {"server_cpu_cores": round((cpu_seconds(pid) - idle0) / (time.monotonic() - t0),
                                          3), "server_rss_mib": round(rss_mib(pid))}
        results = []
        for calls in levels:
            results.append(measure(base, pid, calls, turns, limit_ms))
            if not results[-1]["holds"]:
                break
    held = [r["calls"] for r in results if r["holds"]]
    return {"idle_baseline": idle, "levels": results,
            "calls_held": max(held) if held else 0,
            "memory_per_call_mib": round(
                (results[-1]["server_rss_mib"] - idle["server_rss_mib"]) / results[-1]["calls"],
                2) if results else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--local", default="1,2,3,4")
    parser.add_argument("--cloud", default="25,50,100,200")
    parser.add_argument("--p95-limit-ms", type=float, default=1500.0)
    parser.add_argument("--serve-standin", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_standin:
        uvicorn.run(cloud_standin(), host="127.0.0.1", port=args.serve_standin,
                    log_level="warning")
        return
    turns = caller_audio(LINES)
    started = time.perf_counter()
    report: dict[str, Any] = {"benchmark": "voice_capacity", "p95_limit_ms": args.p95_limit_ms}
    if args.local:
        report["local_speech"] = run({}, [int(n) for n in args.local.split(",")], turns,
                                     args.p95_limit_ms)
    if args.cloud:
        port = free_port()
        with standin_process(port):
            report["cloud_speech"] = run({
                "FRONTDESK_SPEECH_STT": "openai", "FRONTDESK_SPEECH_TTS": "openai",
                "FRONTDESK_SPEECH_OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
                "FRONTDESK_SPEECH_OPENAI_API_KEY": "sk-bench"},
                [int(n) for n in args.cloud.split(",")], turns, args.p95_limit_ms)
        report["cloud_speech"]["standin_delays_ms"] = {"stt": STT_DELAY_S * 1000,
                                                       "tts_first_audio": TTS_DELAY_S * 1000}
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["machine"] = machine_info()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
