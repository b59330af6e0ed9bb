"""What a conversation turn costs as the conversation grows, old path vs new, in one run.

    python -m benchmarks.turn_growth [--quick] [--postgres URL]

In process (no HTTP), the deterministic engine, on a fresh SQLite file (and on PostgreSQL
too with ``--postgres postgresql+psycopg://...``; a scratch database is made there).

1. ``turn_k``: one caller who shops around (four messages in a loop: a haircut at 10,
   at 2, the opening hours, at 11) for 80 turns; the time, SQL statements and ORM rows of
   turn k for k = 1, 10, 40, 80, median over several conversations. ``new`` is the agent
   as shipped (the dialogue state and the recent window on the conversation's row);
   ``old`` is the same agent with the old read put back: the whole history loaded every
   turn (``records.history``), as ``main`` did before ADR 0025. Conversations of the two
   alternate, so machine noise falls on both.
2. ``absorb_40``: an OpenAI-compatible history of 40 caller messages we never saw, plus
   a 41st to answer. ``old`` feeds them turn by turn through ``Agent.turn`` under their
   prefix keys (the door before ADR 0025: 41 turns, each acting); ``new`` catches the 40
   up in one pass (``Agent.catch_up``) and answers the 41st as one turn.

Prints one JSON document on stdout (progress on stderr). Measurements, not tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.common import log, machine_info, ratio, summarize
from frontdesk.channels.openai_wire import turn_keys
from frontdesk.conversation.agent import Agent
from frontdesk.conversation.catch_up import PastTurn
from frontdesk.services import conversation_turns as records
from frontdesk.services.catalog import (
    HoursRange,
    ResourceFields,
    ServiceFields,
    save_resource,
    save_service,
)
from frontdesk.services.conversation_turns import ConversationRecord
from frontdesk.services.tenants import TenantFields, create_tenant
from frontdesk.store import migrate
from frontdesk.store.db import make_engine, make_session_factory, write_session
from frontdesk.store.models import Tenant

KS = (1, 10, 40, 80)


class OldAgent(Agent):
    """The agent as it was: the brain handed the whole history, read every turn."""

    def _said(self, conversation: ConversationRecord) -> list[tuple[str, str]]:
        return records.history(self.factory, conversation.id)


def _business(factory: sessionmaker[Session]) -> Tenant:
    with write_session(factory) as session:
        tenant = create_tenant(session, "salon", TenantFields(
            name="Salon", timezone="America/New_York", min_notice_minutes=0))
        haircut = save_service(session, tenant, ServiceFields(
            name="Haircut", duration_minutes=30, buffer_after_minutes=10,
            spoken_names={"en": ["haircut"], "es": ["corte"]}))
        week = [HoursRange(d, clock(9), clock(17)) for d in range(5)]
        for name in ("Ana", "Marco"):
            save_resource(session, tenant, ResourceFields(
                name=name, service_ids=[haircut.id], hours=week))
        session.expunge(tenant)
    return tenant


def _script(day: date, turns: int) -> list[str]:
    when = f"{day:%B} {day.day}"
    cycle = [f"Hi, I'd like a haircut on {when} at 10am", f"what about {when} at 2pm?",
             "what are your hours?", f"and on {when} at 11am?"]
    return [cycle[i % len(cycle)] for i in range(turns)]


class Counter:
    """SQL statements sent and ORM rows loaded, while ``on``."""

    def __init__(self, engine: Engine, factory: sessionmaker[Session]) -> None:
        self.on, self.statements, self.rows = False, 0, 0

        def statement(*_: Any) -> None:
            self.statements += self.on

        def loaded(*_: Any) -> None:
            self.rows += self.on

        event.listen(engine, "before_cursor_execute", statement)
        event.listen(factory, "loaded_as_persistent", loaded)

    @contextmanager
    def counting(self) -> Iterator[None]:
        self.on, self.statements, self.rows = True, 0, 0
        try:
            yield
        finally:
            self.on = False


def _growth(agents: dict[str, Agent], tenant: Tenant, day: date, counter: Counter,
            conversations: int) -> dict[str, Any]:
    script = _script(day, max(KS))
    took: dict[str, dict[int, list[float]]] = {n: {k: [] for k in KS} for n in agents}
    cost: dict[str, dict[int, dict[str, int]]] = {n: {} for n in agents}
    for name, agent in agents.items():  # warm up: imports, caches, the slot cache
        cid = agent.open(tenant, "chat", f"warm-{name}").id
        for words in script[:8]:
            agent.turn(tenant, cid, words)
    for c in range(conversations):
        for name, agent in agents.items():  # alternate: noise falls on both
            cid = agent.open(tenant, "chat", f"growth-{name}-{c}").id
            for k, words in enumerate(script, start=1):
                with counter.counting():
                    t0 = time.perf_counter()
                    agent.turn(tenant, cid, words)
                    elapsed = time.perf_counter() - t0
                if k in took[name]:
                    took[name][k].append(elapsed)
                    cost[name][k] = {"statements": counter.statements, "rows": counter.rows}
        log(f"  conversation {c + 1}/{conversations} (80 turns, old and new)")
    out: dict[str, Any] = {}
    for name in agents:
        # min beside the median: on a shared machine the least disturbed run is the
        # steadier figure; statements and rows are exact.
        out[name] = {str(k): {"p50_ms": round(statistics.median(took[name][k]) * 1000, 3),
                              "min_ms": round(min(took[name][k]) * 1000, 3),
                              **cost[name][k]} for k in KS}
        first, last = took[name][KS[0]], took[name][KS[-1]]
        out[name]["turn80_over_turn1"] = ratio(statistics.median(last),
                                               statistics.median(first))
    out["old_over_new_at_turn80"] = ratio(statistics.median(took["old"][80]),
                                          statistics.median(took["new"][80]))
    return out


def _absorb(agent: Agent, tenant: Tenant, day: date, reps: int) -> dict[str, Any]:
    said = _script(day, 41)
    keys = turn_keys(said)
    # What the caller heard: one turn-by-turn chat, its replies.
    chat = agent.open(tenant, "phone", "absorb-heard").id
    heard = [agent.turn(tenant, chat, w, request_key=keys[i]).text for i, w in enumerate(said)]
    old_s, new_s = [], []
    for r in range(reps):
        cid = agent.open(tenant, "phone", f"absorb-old-{r}").id
        t0 = time.perf_counter()
        for i, words in enumerate(said):  # the door before: every message a turn
            old_reply = agent.turn(tenant, cid, words, request_key=keys[i])
        old_s.append(time.perf_counter() - t0)
        cid = agent.open(tenant, "phone", f"absorb-new-{r}").id
        t0 = time.perf_counter()
        agent.catch_up(tenant, cid, [PastTurn(said[i], keys[i], heard[i]) for i in range(40)])
        new_reply = agent.turn(tenant, cid, said[40], request_key=keys[40])
        new_s.append(time.perf_counter() - t0)
        assert new_reply.text == old_reply.text == heard[40], "catching up changed the reply"
        log(f"  absorb {r + 1}/{reps}")
    old, new = summarize(old_s), summarize(new_s)
    return {"old_turn_by_turn": old, "new_catch_up": new,
            "speedup_p50": ratio(old["p50_ms"], new["p50_ms"]), "same_reply": True}


def run_on(url: str, backend: str, quick: bool) -> dict[str, Any]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    tenant = _business(factory)
    tz = tenant.timezone
    today = datetime.now(ZoneInfo(tz)).date() + timedelta(days=7)
    monday = today + timedelta(days=(0 - today.weekday()) % 7)
    now = datetime.combine(monday, clock(8), tzinfo=ZoneInfo(tz))
    day = monday + timedelta(days=2)
    agents: dict[str, Agent] = {"old": OldAgent(factory, clock=lambda: now),
                                "new": Agent(factory, clock=lambda: now)}
    counter = Counter(engine, factory)
    log(f"{backend}: turn k of one conversation, old vs new")
    growth = _growth(agents, tenant, day, counter, 2 if quick else 6)
    log(f"{backend}: an unseen 40-message history")
    absorb = _absorb(agents["new"], tenant, day, 3 if quick else 10)
    engine.dispose()
    return {"turn_k": growth, "absorb_40": absorb}


@contextmanager
def _postgres(server_url: str) -> Iterator[str]:
    name = f"bench_turns_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (~1 minute)")
    parser.add_argument("--postgres-url", "--postgres", dest="postgres", metavar="URL",
                        default=os.environ.get("FRONTDESK_TEST_POSTGRES_URL"),
                        help="also run on this PostgreSQL server (default: "
                             "$FRONTDESK_TEST_POSTGRES_URL; a scratch database is used)")
    args = parser.parse_args()
    result: dict[str, Any] = {"machine": machine_info(), "ks": list(KS), "quick": args.quick}
    with tempfile.TemporaryDirectory(prefix="frontdesk-turns-") as tmp:
        result["sqlite"] = run_on(f"sqlite:///{Path(tmp) / 'turns.db'}", "sqlite", args.quick)
    if args.postgres:
        with _postgres(args.postgres) as url:
            result["postgres"] = run_on(url, "postgres", args.quick)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
