"""Locust load against 1 and N server processes on PostgreSQL, and a soak (issue 16).

    pip install -e '.[load]'
    python -m benchmarks.load_locust [--workers 1,4] [--users 40] [--user-rate 2]
                                     [--spawn-rate 10] [--minutes 1] [--tenants 200]
    python -m benchmarks.load_locust --soak [--minutes 30] [--workers 1] ...

Creates a scratch database on the PostgreSQL server (``--postgres-url``, default
``FRONTDESK_TEST_POSTGRES_URL`` or the local one; dropped at the end) with ``--tenants``
businesses (benchmarks/mixed_load.py's data set, each with its own phone number), starts
``frontdesk serve --workers N`` on 127.0.0.1 and runs benchmarks/locustfile.py headless
in its own process: ``--users`` users, each offering ``--user-rate`` requests a second
(the offered load is their product, whatever the answers), for ``--minutes``. Bounded on
purpose: loopback only, at most 500 users, 1,000 requests/s offered and 60 minutes.
Rate limits are off in the server under load (they would answer 429 to the generator's
one address); webhooks are signed with a throwaway Twilio auth token.

Load: per worker count, throughput, p50/p95/p99 and failures per kind (Locust's own
figures), the CPU the server processes used, and the machine's load average.
``--soak``: one run; every ``--sample-s`` the server tree's memory (RSS, summed) and
the interval's p50/p95 (Locust's stats history), then the drift: the last fifth of the
run against the first fifth after warm-up. Prints one JSON document; progress on stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import REPO_ROOT, log, machine_info, percentile
from benchmarks.mixed_load import (
    TIMEZONE,
    key_of,
    phone_of,
    populate,
    scratch_database,
    server,
    tree_cpu_s,
)

TWILIO_TOKEN = "load-test-twilio-token"
MAX_USERS, MAX_RATE, MAX_MINUTES = 500, 1000.0, 60.0


def tree_rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its descendants (Linux /proc), MiB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        own = next(int(line.split()[1]) for line in status.splitlines()
                   if line.startswith("VmRSS:")) / 1024
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (OSError, StopIteration, ValueError):
        return 0.0
    return own + sum(tree_rss_mib(int(child)) for child in children)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_locust(port: int, spec: Path, args: argparse.Namespace, out: Path,
               minutes: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "FRONTDESK_LOAD_SPEC": str(spec),
           "FRONTDESK_LOAD_USER_RATE": str(args.user_rate),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "locust", "-f", str(REPO_ROOT / "benchmarks/locustfile.py"),
               "--headless", "--host", f"http://127.0.0.1:{port}", "-u", str(args.users),
               "-r", str(args.spawn_rate), "-t", f"{int(minutes * 60)}s", "--stop-timeout", "10",
               "--csv", str(out / "locust"), "--csv-full-history", "--only-summary",
               "--loglevel", "WARNING"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(out / "locust.log", "wb"))  # noqa: SIM115


def read_stats(out: Path) -> dict[str, Any]:
    kinds: dict[str, Any] = {}
    with open(out / "locust_stats.csv") as f:
        for row in csv.DictReader(f):
            kinds[row["Name"]] = {
                "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                "per_s": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"] or 0), "p95_ms": float(row["95%"] or 0),
                "p99_ms": float(row["99%"] or 0)}
    failures: list[str] = []
    if (out / "locust_failures.csv").exists():
        with open(out / "locust_failures.csv") as f:
            failures = [f"{r['Name']}: {r['Error'][:160]} ×{r['Occurrences']}"
                        for r in csv.DictReader(f)][:8]
    return {"kinds": kinds, "failures": failures}


def history(out: Path) -> list[dict[str, float]]:
    """Locust's per-second aggregate rows: time, current rps, p50, p95 (its window)."""
    rows = []
    with open(out / "locust_stats_history.csv") as f:
        for r in csv.DictReader(f):
            if r["Name"] == "Aggregated" and r["50%"] not in ("N/A", ""):
                rows.append({"t": float(r["Timestamp"]), "rps": float(r["Requests/s"]),
                             "p50": float(r["50%"]), "p95": float(r["95%"])})
    return rows


def one_run(url: str, workers: int, spec: Path, args: argparse.Namespace, minutes: float,
            sample_s: float | None = None) -> dict[str, Any]:
    port = free_port()
    env = {"FRONTDESK_TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "FRONTDESK_RATE_LIMIT_IP": "",
           "FRONTDESK_RATE_LIMIT_PHONE": "", "FRONTDESK_RATE_LIMIT_API_KEY": ""}
    with server(url, workers, port, env) as proc, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        load0 = os.getloadavg()
        cpu0, t0 = tree_cpu_s(proc.pid), time.monotonic()
        memory: list[tuple[float, float]] = [(0.0, tree_rss_mib(proc.pid))]
        locust = run_locust(port, spec, args, out, minutes)
        while locust.poll() is None:
            time.sleep(sample_s or 2.0)
            if sample_s:
                memory.append((time.monotonic() - t0, tree_rss_mib(proc.pid)))
                log(f"  {memory[-1][0]:.0f} s: server {memory[-1][1]:.0f} MiB")
        wall = time.monotonic() - t0
        cpu1 = tree_cpu_s(proc.pid)
        if locust.returncode not in (0, 1):  # 1: some requests failed (reported below)
            raise RuntimeError((out / "locust.log").read_text()[-2000:])
        result: dict[str, Any] = {
            "workers": workers, **read_stats(out),
            "server_cpu_cores": round((cpu1 - cpu0) / wall, 2)
            if cpu0 is not None and cpu1 is not None else None,
            "load_average_1m": [round(load0[0], 2), round(os.getloadavg()[0], 2)],
            "server_rss_mib_end": round(tree_rss_mib(proc.pid)),
        }
        if sample_s:
            result["soak"] = drift(history(out), memory)
        return result


def drift(rows: list[dict[str, float]], memory: list[tuple[float, float]]) -> dict[str, Any]:
    """The last fifth against the first fifth after warm-up (the first tenth)."""
    if not rows:
        return {}
    start, end = rows[0]["t"], rows[-1]["t"]
    span = end - start
    early = [r for r in rows if start + 0.1 * span <= r["t"] < start + 0.3 * span]
    late = [r for r in rows if r["t"] >= end - 0.2 * span]

    def summary(part: list[dict[str, float]]) -> dict[str, float]:
        return {"rps": round(sum(r["rps"] for r in part) / max(1, len(part)), 1),
                "p50_ms": percentile(sorted(r["p50"] for r in part), 50),
                "p95_ms": percentile(sorted(r["p95"] for r in part), 50)}

    mem_span = memory[-1][0] - memory[0][0] if len(memory) > 1 else 0.0
    mem_early = [m for t, m in memory if 0.1 * mem_span <= t < 0.3 * mem_span] or [memory[0][1]]
    mem_late = [m for t, m in memory if t >= 0.8 * mem_span] or [memory[-1][1]]
    first, last = summary(early), summary(late)
    return {
        "first_fifth": first, "last_fifth": last,
        "p95_drift_ms": round(last["p95_ms"] - first["p95_ms"], 1),
        "rss_mib": {"start": round(memory[0][1]), "early": round(sum(mem_early) / len(mem_early)),
                    "late": round(sum(mem_late) / len(mem_late)), "end": round(memory[-1][1])},
        "rss_drift_mib": round(sum(mem_late) / len(mem_late) - sum(mem_early) / len(mem_early), 1),
        "memory_samples": [[round(t), round(m)] for t, m in memory],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres-url", default=os.environ.get(
        "FRONTDESK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--workers", default="1,4")
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--user-rate", type=float, default=2.0,
                        help="requests a second each user offers")
    parser.add_argument("--spawn-rate", type=float, default=10.0)
    parser.add_argument("--minutes", type=float, default=None,
                        help="per run (default 1; --soak: 30)")
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--soak", action="store_true")
    parser.add_argument("--sample-s", type=float, default=30.0)
    args = parser.parse_args()
    minutes = args.minutes if args.minutes is not None else (30.0 if args.soak else 1.0)
    if not (0 < args.users <= MAX_USERS and 0 < args.users * args.user_rate <= MAX_RATE
            and 0 < minutes <= MAX_MINUTES):
        parser.error(f"bounded: at most {MAX_USERS} users, {MAX_RATE:.0f} requests/s offered "
                     f"and {MAX_MINUTES:.0f} minutes")
    started = time.perf_counter()
    report: dict[str, Any] = {
        "benchmark": "load_locust" + (" --soak" if args.soak else ""),
        "users": args.users, "offered_per_s": args.users * args.user_rate,
        "minutes": minutes, "tenants": args.tenants}
    with scratch_database(args.postgres_url) as url, tempfile.TemporaryDirectory() as tmp:
        refs = populate(url, args.tenants)
        spec = Path(tmp) / "spec.json"
        spec.write_text(json.dumps({
            "twilio_auth_token": TWILIO_TOKEN, "timezone": TIMEZONE,
            "refs": [{"key": key_of(r.index), "service_id": r.service_id,
                      "staff": list(r.staff), "phone": phone_of(r.index)} for r in refs]}))
        if args.soak:
            workers = int(args.workers.split(",")[0])
            log(f"soak: {workers} process(es), {minutes:g} minutes")
            report["soak"] = one_run(url, workers, spec, args, minutes, args.sample_s)
        else:
            report["runs"] = []
            for workers in (int(w) for w in args.workers.split(",")):
                log(f"load: {workers} process(es), {minutes:g} minute(s)")
                report["runs"].append(one_run(url, workers, spec, args, minutes))
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["machine"] = machine_info()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
