"""Four ``frontdesk worker`` processes share one 2,000-lead campaign on PostgreSQL, against
a carrier stand-in that speaks Twilio's Calls API and posts signed status callbacks to a
real server; one worker is SIGKILLed mid-run.

What must hold: every lead is called exactly once (its one allowed attempt), each call is
placed through the outbox and recorded with the carrier's id, the campaign's concurrency
limit is never exceeded at the carrier, and the killed worker's claims are taken over
(after their lease) without a lost or a second call.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from bisect import bisect_right
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.app import create_app
from frontdesk.config import Settings
from frontdesk.services import campaigns
from frontdesk.store.db import make_session_factory, write_session
from frontdesk.store.models import (
    Campaign,
    CampaignAttempt,
    CampaignLead,
    OutboxMessage,
    Tenant,
)
from tests.conftest import serving, with_settings
from tests.standins.carrier import Carrier
from tests.standins.load_campaign import load_campaign

pytestmark = pytest.mark.postgres

SID, TOKEN = "AC" + "7" * 32, "carrier-token"
LEADS = 2000
WORKERS = 4
# Both limits bind for part of the run (the stand-in answers in milliseconds, so calls
# would otherwise start as fast as four workers can queue them).
MAX_CONCURRENT = 16
CALLS_PER_MINUTE = 1500
KILL_AFTER = 500  # calls placed before one worker is killed
@pytest.fixture
def database(postgres_engine: Engine) -> Engine:
    return postgres_engine  # truncated for this test


def _workers(env: dict[str, str], log_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    for index in range(WORKERS):
        log = (log_dir / f"worker{index}.log").open("wb")
        yield subprocess.Popen([sys.executable, "-m", "frontdesk", "worker", "--interval", "0.2"],
                               env=env, stdout=log, stderr=subprocess.STDOUT)


def test_four_workers_call_every_lead_once_and_a_killed_worker_loses_and_doubles_nothing(
    database: Engine, postgres_server_url: str, tmp_path: Path
) -> None:
    factory = make_session_factory(database)
    campaign = load_campaign(factory, LEADS, max_concurrent=MAX_CONCURRENT,
                             calls_per_minute=CALLS_PER_MINUTE)
    carrier = Carrier(SID, TOKEN, ring_s=0.02)
    settings = Settings(environment="test", llm_base_url="", database_url=postgres_server_url,
                        twilio_account_sid=SID, twilio_auth_token=TOKEN, outbox_worker=False,
                        database_connections=10,
                        rate_limit_api_key="", rate_limit_ip="", rate_limit_phone="")
    app = create_app(settings)
    procs: list[subprocess.Popen[bytes]] = []
    with serving(carrier.app()) as carrier_url, serving(app) as server_url:
        with_settings(app, public_base_url=server_url)  # what Twilio signs against
        carrier.server_url = carrier.public_url = server_url
        env = {**os.environ, "FRONTDESK_DATABASE_URL": postgres_server_url,
               "FRONTDESK_ENVIRONMENT": "development", "FRONTDESK_DATA_DIR": str(tmp_path),
               "FRONTDESK_TWILIO_ACCOUNT_SID": SID, "FRONTDESK_TWILIO_AUTH_TOKEN": TOKEN,
               "FRONTDESK_TWILIO_API_BASE": carrier_url,
               "FRONTDESK_PUBLIC_BASE_URL": server_url, "FRONTDESK_OUTBOX_LEASE_S": "4",
               # A few connections each: other tests share the PostgreSQL server.
               "FRONTDESK_DATABASE_CONNECTIONS": "6",
               "FRONTDESK_LLM_BASE_URL": ""}
        try:
            procs = list(_workers(env, tmp_path))
            with write_session(factory) as session:
                campaigns.move(session, session.get_one(Tenant, campaign.tenant_id),
                               campaign.id, "start")
            killed_at = _run_and_kill(carrier, procs[0])
            deadline = time.monotonic() + 420
            while not _completed(factory, campaign) and time.monotonic() < deadline:
                time.sleep(0.5)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            carrier.close()
    logs = "\n".join(p.read_text(errors="replace")[-2000:] for p in tmp_path.glob("*.log"))
    assert _ended(factory, campaign) == LEADS, logs
    assert KILL_AFTER <= killed_at < LEADS  # the kill happened mid-run
    assert procs[0].returncode == -signal.SIGKILL
    # Every lead called exactly once, and nobody else.
    assert len(carrier.calls) == LEADS
    assert all(len(calls) == 1 for calls in carrier.calls.values())
    assert carrier.callback_failures == 0
    assert carrier.max_in_flight <= MAX_CONCURRENT
    with factory() as session:
        attempts = session.scalars(select(CampaignAttempt).where(
            CampaignAttempt.campaign_id == campaign.id)).all()
        leads = {lead.id: lead for lead in session.scalars(
            select(CampaignLead).where(CampaignLead.campaign_id == campaign.id))}
        messages = {m.id: m for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == "call"))}
        status = session.get_one(Campaign, campaign.id).status
    assert len(attempts) == LEADS and {a.number for a in attempts} == {1}
    # Pacing counts the calls a campaign starts (queues): no sliding minute holds more.
    # At the carrier a call queued late in one minute may arrive in the next: at most
    # the calls in flight at once can move that way.
    queued = sorted(a.started_at.timestamp() for a in attempts)
    assert _busiest_minute(queued) <= CALLS_PER_MINUTE
    assert _busiest_minute(sorted(carrier.created)) <= CALLS_PER_MINUTE + MAX_CONCURRENT
    assert {a.lead_id for a in attempts} == set(leads)
    for attempt in attempts:
        lead = leads[attempt.lead_id]
        [placed] = carrier.calls[lead.phone_e164]
        assert attempt.call_id == placed["sid"]
        assert attempt.outcome == "no_answer" and lead.status == "max_attempts"
        message = messages[attempt.outbox_id]
        assert message.status == "sent" and message.provider_message_id == placed["sid"]
    assert status == "completed"


def _busiest_minute(times: list[float]) -> int:
    return max(bisect_right(times, t + 60) - i for i, t in enumerate(times))


def _run_and_kill(carrier: Carrier, victim: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 180
    while carrier.total < KILL_AFTER:
        if time.monotonic() > deadline:
            pytest.fail(f"only {carrier.total} calls placed in 180 s")
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    return carrier.total


def _completed(factory: sessionmaker[Session], campaign: Campaign) -> bool:
    """The dialer marks the campaign completed once nobody is left to call."""
    with factory() as session:
        return session.get_one(Campaign, campaign.id).status == "completed"


def _ended(factory: sessionmaker[Session], campaign: Campaign) -> int:
    with factory() as session:
        return session.scalar(select(func.count()).select_from(CampaignAttempt).where(
            CampaignAttempt.campaign_id == campaign.id,
            CampaignAttempt.outcome.is_not(None))) or 0
