"""Deterministic agent turn latency over HTTP.

    python -m benchmarks.turn_latency [--conversations N] [--port P]

Starts ``frontdesk serve --demo`` (embedded SQLite, no LLM) as a real server process,
then plays whole booking conversations through ``POST /api/v1/chat`` and times every
turn from the client: request sent -> reply received, one client at a time. The
in-run baseline is ``GET /health`` on the same server and connection (the floor of
HTTP + FastAPI + one database round trip). Prints one JSON document on stdout.
Measurements, not tests: nothing fails on a slow figure.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from typing import Any

import httpx

from benchmarks.common import log, machine_info, summarize

KEY = "fd_demo_salon_key"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_NAMES = ["Jordan Lee", "Sam Patel", "Alex Kim", "Maria Lopez", "Chris Doe", "Pat Morgan"]


def _script(i: int) -> list[str]:
    """A full booking conversation; each one asks for a different day and time."""
    day = date.today() + timedelta(days=14 + i % 30)
    hour = 9 + i % 7
    when = f"{day:%B} {day.day} at {hour if hour <= 12 else hour - 12}{'am' if hour < 12 else 'pm'}"
    return [
        f"Hi, I'd like to book a haircut on {when}",
        "the first one",
        f"My name is {_NAMES[i % len(_NAMES)]}",
        f"212 555 {1000 + i:04d}",
        "yes",
        "no, that's all",
    ]


def run(conversations: int, port: int) -> dict[str, Any]:
    data_dir = tempfile.mkdtemp(prefix="frontdesk-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update({"FRONTDESK_DATA_DIR": data_dir, "FRONTDESK_LOG_LEVEL": "warning"})
    server = subprocess.Popen(
        [sys.executable, "-m", "frontdesk", "serve", "--demo", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30,
                          headers={"Authorization": f"Bearer {KEY}"}) as http:
            for _ in range(300):
                try:
                    if http.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                raise RuntimeError("server did not start")
            for _ in range(20):  # warm up the process (imports, caches, connections)
                http.get("/health")
            health = []
            for _ in range(conversations * 6):
                t0 = time.perf_counter()
                http.get("/health").raise_for_status()
                health.append(time.perf_counter() - t0)
            turns: list[float] = []
            booked = 0
            for i in range(conversations):
                session = f"bench-{i}"
                for text in _script(i):
                    t0 = time.perf_counter()
                    response = http.post("/api/v1/chat", json={"session_id": session,
                                                                "message": text})
                    turns.append(time.perf_counter() - t0)
                    response.raise_for_status()
                    if response.json().get("outcome") == "booked":
                        booked += 1
                        break
            return {
                "machine": machine_info(),
                "server": "frontdesk serve --demo (uvicorn, embedded SQLite, rules engine)",
                "conversations": conversations,
                "booked": booked,
                "turn": summarize(turns),
                "baseline_health": summarize(health),
            }
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=60)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    log(f"turn latency: {args.conversations} conversations")
    print(json.dumps(run(args.conversations, args.port or _free_port()), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
