"""Campaign throughput: how many calls a campaign places per second, by worker processes.

    python -m benchmarks.campaign_throughput [--leads N] [--workers 1,2,4] [--postgres-url URL]

A campaign of N leads (Japanese numbers, no holiday calendar; a time zone inside the
calling window at the moment it runs) on a scratch PostgreSQL database (from
``--postgres-url`` or ``FRONTDESK_TEST_POSTGRES_URL``, dropped after) is dialled by K
``frontdesk worker`` processes against the carrier stand-in of
``tests/standins/carrier.py`` (Twilio's Calls API over real HTTP; every call rings 20 ms,
then the carrier posts Twilio's signed status callback to a real server, in this
process). Pacing is set out of the way (concurrency 64, 100,000 calls a minute), so the
figure is the machinery's: dialer, outbox, the Twilio SDK, the callback's bookkeeping.
The baseline is one worker, in the same run. Every run checks that each lead was called
exactly once. Prints one JSON document on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import serving, with_settings
from tests.standins.carrier import Carrier
from tests.standins.load_campaign import load_campaign

from benchmarks.common import log, machine_info, percentile, ratio
from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.services import campaigns
from frontdesk.store import migrate
from frontdesk.store.db import make_engine, make_session_factory, write_session
from frontdesk.store.models import CampaignAttempt, OutboundCall, Tenant

SID, TOKEN = "AC" + "8" * 32, "bench-token"
def _ended(factory: sessionmaker[Session], campaign_id: Any) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(CampaignAttempt).where(
            CampaignAttempt.campaign_id == campaign_id,
            CampaignAttempt.outcome.is_not(None))) or 0


def run_once(admin_url: str, leads: int, workers: int) -> dict[str, Any]:
    name = f"bench_campaign_{os.getpid()}_{workers}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    made = load_campaign(factory, leads, max_concurrent=64, calls_per_minute=100_000)
    tenant_id, campaign_id = made.tenant_id, made.id
    carrier = Carrier(SID, TOKEN, ring_s=0.02)
    app = create_app(Settings(environment="test", llm_base_url="", database_url=url,
                              twilio_account_sid=SID, twilio_auth_token=TOKEN,
                              outbox_worker=False, rate_limit_api_key="", rate_limit_ip="",
                              rate_limit_phone=""))
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with TemporaryDirectory() as data, serving(carrier.app()) as carrier_url, \
                serving(app) as server_url:
            with_settings(app, public_base_url=server_url)
            carrier.server_url = carrier.public_url = server_url
            env = {**os.environ, "FRONTDESK_DATABASE_URL": url, "FRONTDESK_DATA_DIR": data,
                   "FRONTDESK_ENVIRONMENT": "development", "FRONTDESK_LLM_BASE_URL": "",
                   "FRONTDESK_TWILIO_ACCOUNT_SID": SID, "FRONTDESK_TWILIO_AUTH_TOKEN": TOKEN,
                   "FRONTDESK_TWILIO_API_BASE": carrier_url,
                   "FRONTDESK_PUBLIC_BASE_URL": server_url}
            procs = [subprocess.Popen(
                [sys.executable, "-m", "frontdesk", "worker", "--interval", "0.2"], env=env,
                stdout=subprocess.DEVNULL, stderr=(Path(data) / f"w{i}.log").open("wb"))
                for i in range(workers)]
            time.sleep(4)  # interpreters up, migrations checked
            started = time.perf_counter()
            with write_session(factory) as session:
                campaigns.move(session, session.get_one(Tenant, tenant_id), campaign_id,
                               "start")
            while _ended(factory, campaign_id) < leads:
                if time.perf_counter() - started > 900:
                    raise RuntimeError("the campaign did not finish in 15 minutes")
                time.sleep(0.1)
            seconds = time.perf_counter() - started
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)
        carrier.close()
    with factory() as session:
        rows = session.execute(
            select(CampaignAttempt.started_at, OutboundCall.placed_at, CampaignAttempt.ended_at)
            .join(OutboundCall, OutboundCall.outbox_id == CampaignAttempt.outbox_id)).all()
    engine.dispose()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()
    once = len(carrier.calls) == leads and all(len(c) == 1 for c in carrier.calls.values())
    to_placed = sorted((p - s).total_seconds() * 1000 for s, p, _ in rows if p)
    to_ended = sorted((e - s).total_seconds() * 1000 for s, _, e in rows if e)
    return {"workers": workers, "leads": leads, "seconds": round(seconds, 2),
            "calls_per_s": round(leads / seconds, 1), "each_lead_called_once": once,
            "max_calls_in_progress": carrier.max_in_flight,
            "queued_to_placed_ms": {"p50": round(percentile(to_placed, 50), 1),
                                    "p99": round(percentile(to_placed, 99), 1)},
            "queued_to_outcome_ms": {"p50": round(percentile(to_ended, 50), 1),
                                     "p99": round(percentile(to_ended, 99), 1)}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--postgres-url", default=os.environ.get("FRONTDESK_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    if not args.postgres_url:
        parser.error("needs PostgreSQL: --postgres-url or FRONTDESK_TEST_POSTGRES_URL")
    runs = []
    for workers in [int(w) for w in args.workers.split(",")]:
        log(f"campaign_throughput: {args.leads} leads, {workers} worker(s)")
        runs.append(run_once(args.postgres_url, args.leads, workers))
    base = runs[0]["calls_per_s"]
    for run in runs:
        run["vs_first"] = ratio(run["calls_per_s"], base)
    print(json.dumps({"benchmark": "campaign_throughput", "machine": machine_info(),
                      "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
