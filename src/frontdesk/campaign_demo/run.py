"""The demo from start to end: leads, the simulated carrier, the server, the campaign
through the REST API (as a user's own program would drive it), progress, the table."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

import httpx

from frontdesk.campaign_demo.leads import DemoLead, leads_csv, make_leads
from frontdesk.campaign_demo.progress import ProgressView, lead_table, tally
from frontdesk.campaign_demo.server import DemoServerFailed, start_demo_server
from frontdesk.carrier_sim import DEMO_ACCOUNT_SID, Person, SimulatedCarrier, cast
from frontdesk.carrier_sim.call_record import SimCall
from frontdesk.cli_twilio import DEMO_KEY, DEMO_TWILIO_TOKEN
from frontdesk.config import Settings

CAMPAIGN = {"name": "Spring haircut offer", "max_attempts": 3,
            # Paced so twenty leads are all dialled within seconds: a real campaign runs
            # far slower (the defaults are 2 at once, 10 a minute).
            "max_concurrent_calls": 10, "calls_per_minute": 120, "require_consent": True}


@dataclass(frozen=True, slots=True)
class Options:
    seed: int = 12
    leads: int = 20
    port: int = 0
    timeout_s: float = 120.0
    poll_s: float = 0.3
    transcripts: bool = False


class DemoStopped(Exception):
    """The server refused a step of the demo (its problem detail says why)."""


def _ok(response: httpx.Response) -> Any:
    if response.is_error:
        detail = response.text[:300]
        try:
            detail = response.json().get("detail", detail)
        except ValueError:
            pass
        raise DemoStopped(f"{response.request.method} {response.request.url.path}: "
                          f"HTTP {response.status_code}: {detail}")
    return response.json()


def run_demo(settings: Settings, options: Options, out: TextIO) -> int:
    now = datetime.now(UTC)
    leads, abroad = make_leads(now, options.seed, options.leads)
    if not leads:
        print("Nobody may be called right now: it is a public holiday in the US wherever "
              "it is between 08:00 and 21:00. Try again in a few hours.", file=out)
        return 3
    people = cast([(lead.phone, lead.language) for lead in leads], options.seed)
    # The demo businesses' seeded bookings "text" their confirmations to the log; on a
    # terminal showing live progress they are noise. Problems still show.
    logging.getLogger("frontdesk.outbox").setLevel(logging.ERROR)
    carrier = SimulatedCarrier(DEMO_ACCOUNT_SID, DEMO_TWILIO_TOKEN, people=people,
                               seed=options.seed).start()
    try:
        try:
            server = start_demo_server(settings, carrier_url=carrier.url,
                                       account_sid=DEMO_ACCOUNT_SID, port=options.port)
        except (DemoServerFailed, OSError) as exc:
            print(f"error: {exc}", file=out)
            return 2
        try:
            print(f"demo server         {server.url}  (database: {server.database})", file=out)
            print(f"simulated carrier   {carrier.url}  (Twilio's Calls API; no real phone "
                  "is ever dialled)", file=out)
            zones = sorted({lead.timezone for lead in leads})
            where = "Americans abroad, in " if abroad else ""
            print(f"leads               {len(leads)}, {where}time zones where it is "
                  f"between 08:00 and 21:00 now: {', '.join(zones)}", file=out, flush=True)
            return _campaign(server.url, carrier, leads, people, options, out)
        except DemoStopped as exc:
            print(f"error: {exc}", file=out)
            return 2
        finally:
            server.stop()
    finally:
        carrier.stop()


def _campaign(url: str, carrier: SimulatedCarrier, leads: list[DemoLead],
              people: dict[str, Person], options: Options, out: TextIO) -> int:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {DEMO_KEY}"},
                      timeout=30) as api:
        campaign_id = _set_up(api, leads, out)
        view = ProgressView(out)
        deadline = time.monotonic() + options.timeout_s
        while True:
            campaign = _ok(api.get(f"/api/v1/campaigns/{campaign_id}"))
            rows = _ok(api.get(f"/api/v1/campaigns/{campaign_id}/leads",
                               params={"limit": 500}))
            calls = carrier.calls()
            seen = tally(rows, sum(1 for c in calls if c.answered_by == "human"),
                         campaign["status"])
            view.show(seen)
            if seen.done or time.monotonic() > deadline:
                break
            time.sleep(options.poll_s)
        view.close()
    _report(leads, rows, people, calls, campaign["status"], options, out)
    if not seen.done:
        print(f"error: the first attempts were not all over after {options.timeout_s:.0f} s",
              file=out)
        return 1
    return 0


def _set_up(api: httpx.Client, leads: list[DemoLead], out: TextIO) -> str:
    """A meeting request and a campaign for the demo salon, the leads, and start."""
    tenant = _ok(api.get("/api/v1/tenant"))
    services = _ok(api.get("/api/v1/services"))
    haircut = next((s for s in services if s["name"] == "Haircut"), services[0])
    start = datetime.now(UTC) + timedelta(hours=2)
    request = _ok(api.post("/api/v1/meeting-requests", json={
        "title": "Spring haircut", "service_id": haircut["id"],
        "hard_constraints": {"window_start": start.isoformat(),
                             "window_end": (start + timedelta(days=14)).isoformat(),
                             "timezone": tenant["timezone"]},
        "soft_constraints": {"parts_of_day": ["morning", "afternoon"]}}))
    campaign = _ok(api.post("/api/v1/campaigns",
                            json={**CAMPAIGN, "meeting_request_id": request["id"]}))
    report = _ok(api.post(f"/api/v1/campaigns/{campaign['id']}/leads/import",
                          content=leads_csv(leads).encode(),
                          headers={"Content-Type": "text/csv"}))
    problems = [f"line {p['line']}: {p['reason']}" for p in report["errors"] + report["warnings"]]
    print(f"imported            {report['imported']} leads from CSV"
          + (f" ({'; '.join(problems)})" if problems else ""), file=out)
    _ok(api.post(f"/api/v1/campaigns/{campaign['id']}/start"))
    print(f"campaign            {CAMPAIGN['name']!r} for {tenant['name']}, started: at most "
          f"{CAMPAIGN['max_concurrent_calls']} calls at once, {CAMPAIGN['calls_per_minute']} "
          "a minute", file=out, flush=True)
    return str(campaign["id"])


def _report(leads: list[DemoLead], rows: list[dict[str, Any]], people: dict[str, Person],
            calls: list[SimCall], status: str, options: Options, out: TextIO) -> None:
    per_number = Counter(call.to for call in calls)
    print(file=out)
    print(lead_table(leads, {row["phone"]: row for row in rows},
                     {phone: person.kind.value for phone, person in people.items()},
                     per_number), file=out)
    print(file=out)
    failed = [c for c in calls if c.error]
    print(f"campaign {status}; the carrier was asked for {len(calls)} calls to "
          f"{len(per_number)} numbers" + (f", {len(failed)} went wrong" if failed else ""),
          file=out)
    print("Retries and callbacks wait for their time (next attempt); the demo server stops "
          "now, so they are not made.", file=out)
    shown = calls if options.transcripts else [c for c in calls if c.answered_by == "human"][:1]
    names = {lead.phone: lead.name for lead in leads}
    for call in shown:
        print(f"\n--- the call to {names.get(call.to, call.to)} ({call.to}), as the "
              f"simulated person heard it: {call.status}"
              + (f", {call.error}" if call.error else ""), file=out)
        print(call.transcript.rstrip() or "(nothing was said)", file=out)
    out.flush()
