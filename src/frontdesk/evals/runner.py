"""Play scenarios against the agent and check what they must leave behind.

Two targets:

- :class:`InProcess` (the default): a temporary SQLite database, the two businesses built
  like the demo (:mod:`.tenants`, a fresh one per scenario), the :class:`Agent` on a fixed
  clock, setup and checks through the REST API via FastAPI's TestClient.
- :class:`Server` (``--url``/``--key``): a running frontdesk, talked to through
  ``POST /v1/chat/completions`` with the whole history each turn, as a voice platform
  would. The clock is the server's; what the agent awaits and the outcome are read from
  its words (:mod:`.textrules`).
"""

from __future__ import annotations

import tempfile
import time as _time
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from frontdesk.evals import textrules

if TYPE_CHECKING:  # the agent is imported when a run starts, not with the CLI
    from frontdesk.conversation.agent import Brain
from frontdesk.evals.client import Api, HttpApi, TestClientApi, expect_ok
from frontdesk.evals.prepare import (
    Booked,
    SetupError,
    apply_setup,
    cancel_created,
    cancel_upcoming_for,
    changed,
    local,
    newest_code,
    snapshot,
)
from frontdesk.evals.report import ScenarioResult, TranscriptLine
from frontdesk.evals.scenario import Scenario, expand
from frontdesk.evals.simulator import AgentTurn, Caller

ZONES = {"salon": ZoneInfo("America/New_York"), "clinic": ZoneInfo("Europe/Madrid")}
OPENING_HOUR = 9  # the default clock: the next Monday at 09:00, local time


def next_monday(today: date) -> date:
    """The first Monday strictly after ``today``: always in the future, so setup through
    the real-clock REST API can book on every day of the scenario's week."""
    return today + timedelta(days=(7 - today.weekday()) or 7)


def default_now(tz: ZoneInfo, real_now: datetime | None = None) -> datetime:
    today = (real_now or datetime.now(UTC)).astimezone(tz).date()
    return datetime.combine(next_monday(today), time(OPENING_HOUR), tzinfo=tz)


def parse_now(value: str) -> datetime:
    """``--now``: an ISO date-time; without an offset it is local time in each business."""
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"--now {value!r} is not an ISO date-time like "
                         "2030-01-07T09:00 or 2030-01-07T09:00-05:00") from exc


# --- talking to the agent ---------------------------------------------------------------


class Line(Protocol):
    """One call (or chat) with the agent."""

    def greet(self) -> AgentTurn | None: ...

    def say(self, text: str) -> AgentTurn: ...

    def outcome(self) -> str | None: ...


class Stage(Protocol):
    """Everything one scenario runs against."""

    api: Api
    anchor: date  # "day +0" of the scenario
    tz: ZoneInfo

    def line(self) -> Line: ...


class Target(Protocol):
    mode: str
    shared: bool  # scenarios share one business (a server): clean up around each


    def stage(self, scenario: Scenario) -> Stage: ...


def _agent_turn(reply: Any) -> AgentTurn:
    state: dict[str, Any] = reply.state or {}
    return AgentTurn(text=reply.text, awaiting=state.get("awaiting"), state_known=True,
                     outcome=state.get("outcome") or reply.outcome, end=bool(reply.end),
                     offers=len(state.get("offered") or []) or None)


class _InProcessLine:
    def __init__(self, agent: Any, tenant: Any, conversation_id: uuid.UUID, api: Api) -> None:
        self.agent, self.tenant, self.conversation_id, self.api = (agent, tenant,
                                                                   conversation_id, api)

    def greet(self) -> AgentTurn | None:
        return _agent_turn(self.agent.greet(self.tenant, self.conversation_id))

    def say(self, text: str) -> AgentTurn:
        return _agent_turn(self.agent.turn(self.tenant, self.conversation_id, text))

    def outcome(self) -> str | None:
        record = expect_ok(self.api, "GET", f"/api/v1/conversations/{self.conversation_id}")
        return record.get("outcome") if isinstance(record, dict) else None


@dataclass
class _InProcessStage:
    api: Api
    anchor: date
    tz: ZoneInfo
    open_line: Callable[[], Line]

    def line(self) -> Line:
        return self.open_line()


class InProcess:
    """The agent in this process, on a temporary SQLite database and a fixed clock."""

    mode = "inprocess"
    shared = False

    def __init__(self, now: datetime | None = None, *, workdir: Path | None = None,
                 brain: Brain | None = None) -> None:
        self.now = now
        self.brain = brain  # None: the rules engine; else e.g. the LLM driver (``--llm``)
        self._stack = ExitStack()
        self.workdir = workdir or Path(self._stack.enter_context(
            tempfile.TemporaryDirectory(prefix="frontdesk-eval-")))
        from fastapi.testclient import TestClient

        from frontdesk.app import create_app
        from frontdesk.config import Settings
        from frontdesk.store.db import make_engine, make_session_factory

        url = f"sqlite:///{self.workdir / 'eval.db'}"
        self.engine = make_engine(url)
        self._stack.callback(self.engine.dispose)
        # Setup books whole days through one key: the API's per-key, per-address and
        # per-phone limits guard a shared server, not this private in-process one.
        app = create_app(Settings(database_url=url, environment="test", rate_limit_api_key="",
                                  rate_limit_ip="", rate_limit_phone=""), engine=self.engine)
        self.client = self._stack.enter_context(TestClient(app))
        self.factory = make_session_factory(self.engine)
        self._count = 0

    def close(self) -> None:
        self._stack.close()

    def clock_for(self, tz: ZoneInfo) -> datetime:
        if self.now is None:
            return default_now(tz)
        return self.now if self.now.tzinfo else self.now.replace(tzinfo=tz)

    def stage(self, scenario: Scenario) -> Stage:
        from frontdesk.conversation.agent import Agent
        from frontdesk.evals.tenants import build_tenant

        self._count += 1
        built = build_tenant(self.factory, scenario.tenant, f"eval-{self._count}-{scenario.tenant}")
        tz = ZoneInfo(built.tenant.timezone)
        anchor = now = self.clock_for(tz)
        if scenario.start is not None:  # the call is later in the week (a captured one)
            now = local(anchor.astimezone(tz).date(), scenario.start.day, scenario.start.time, tz)
        agent = Agent(self.factory, brain=self.brain, clock=lambda: now)
        api = TestClientApi(self.client, built.api_key)

        def open_line() -> Line:
            channel = "phone" if scenario.caller_phone else "chat"
            conversation = agent.open(built.tenant, channel, f"eval:{scenario.id}",
                                      caller_phone=scenario.caller_phone,
                                      caller_verified=scenario.caller_phone is not None)
            return _InProcessLine(agent, built.tenant, conversation.id, api)

        return _InProcessStage(api, anchor.astimezone(tz).date(), tz, open_line)


class _ServerLine:
    def __init__(self, api: Api, caller_phone: str | None) -> None:
        self.api = api
        self.call_id = f"eval-{uuid.uuid4().hex}"
        self.caller_phone = caller_phone
        self.messages: list[dict[str, str]] = []
        self.replies: list[str] = []

    def greet(self) -> AgentTurn | None:
        return None  # on this door the voice platform speaks its own opening line

    def say(self, text: str) -> AgentTurn:
        self.messages.append({"role": "user", "content": text})
        headers = {"X-Caller-Number": self.caller_phone} if self.caller_phone else {}
        data = expect_ok(self.api, "POST", "/v1/chat/completions", headers=headers, body={
            "model": "frontdesk", "messages": self.messages,
            "metadata": {"call_id": self.call_id}})
        reply = str(data["choices"][0]["message"]["content"])
        self.messages.append({"role": "assistant", "content": reply})
        self.replies.append(reply)
        return AgentTurn(text=reply, end=textrules.ends_call(reply))

    def outcome(self) -> str | None:
        found = None
        for reply in self.replies:
            found = textrules.infer_outcome(reply) or found
        if found is None and self.replies and textrules.ends_call(self.replies[-1]):
            return "info" if any(textrules.gives_info(r) for r in self.replies) else "abandoned"
        return found


@dataclass
class _ServerStage:
    api: Api
    anchor: date
    tz: ZoneInfo
    caller_phone: str | None

    def line(self) -> Line:
        return _ServerLine(self.api, self.caller_phone)


class Server:
    """A running frontdesk; ``keys`` maps ``salon``/``clinic`` (or ``*``) to API keys."""

    mode = "server"
    shared = True

    def __init__(self, url: str, keys: dict[str, str]) -> None:
        self.url = url
        self.keys = keys

    def key_for(self, tenant: str) -> str | None:
        return self.keys.get(tenant) or self.keys.get("*")

    def stage(self, scenario: Scenario) -> Stage:
        key = self.key_for(scenario.tenant)
        if key is None:
            raise SetupError(f"no API key for the {scenario.tenant} business (--key "
                             f"{scenario.tenant}=KEY)")
        api = HttpApi(self.url, key)
        tz = ZoneInfo(expect_ok(api, "GET", "/api/v1/tenant")["timezone"])
        return _ServerStage(api, default_now(tz).date(), tz, scenario.caller_phone)


# --- one scenario -------------------------------------------------------------------------


def run_scenario(target: Target, scenario: Scenario) -> ScenarioResult:
    result = ScenarioResult.start(scenario, target.mode)
    if target.mode not in scenario.modes:
        result.skipped = f"runs only {', '.join(scenario.modes)}"
        return result
    stage: Stage | None = None
    existing: dict[str, Booked] | None = None  # server mode: what was there before setup
    try:
        stage = target.stage(scenario)
        result.anchor = stage.anchor.isoformat()
        if target.shared:  # a server's business outlives the scenario: start it clean
            phones = [c.phone for c in scenario.setup.customers]
            phones += [scenario.caller_phone] if scenario.caller_phone else []
            cancel_upcoming_for(stage.api, phones, stage.tz)
            existing = snapshot(stage.api, stage.tz)
        apply_setup(stage.api, scenario.setup, stage.anchor, stage.tz)
        before = snapshot(stage.api, stage.tz)
        caller = Caller(scenario, stage.anchor, inbox=lambda: newest_code(stage.api))
        line = stage.line()
        ended = _converse(line, caller, scenario, result)
        outcome = line.outcome()
        if outcome is None and ended and caller.stuck is None:
            outcome = "abandoned"  # the caller hung up once done; nothing was recorded
        result.outcome = outcome
        _check(result, scenario, caller, stage, before, snapshot(stage.api, stage.tz))
    except SetupError as exc:
        result.fail(str(exc))
        result.error = str(exc)
    except Exception as exc:  # noqa: BLE001 - one broken scenario must not stop the run
        result.fail(f"error: {type(exc).__name__}: {exc}")
        result.error = "".join(traceback.format_exception(exc)[-6:])
    finally:
        if existing is not None and stage is not None:
            try:
                cancel_created(stage.api, existing, stage.tz)
            except Exception as exc:  # noqa: BLE001 - the result stands; say what is left
                result.notes.append(f"could not cancel what the scenario booked: {exc}")
    return result


def _converse(line: Line, caller: Caller, scenario: Scenario, result: ScenarioResult) -> bool:
    """Talk until the agent ends the call, the caller is done, or max_turns. True when the
    call ended (by either side) rather than running out of turns."""
    turn = line.greet()
    if turn is None:  # no greeting (a server door): the caller speaks first
        turn = AgentTurn(text="", state_known=True)
    else:
        _record_agent(result, turn, None)
    while True:
        said = caller.next_line(turn)
        if said is None:
            return True
        if result.caller_turns >= scenario.expect.max_turns:
            result.notes.append(f"stopped at max_turns={scenario.expect.max_turns}")
            return False
        result.transcript.append(TranscriptLine("caller", said, None, None))
        result.caller_turns += 1
        started = _time.perf_counter()
        turn = line.say(said)
        latency = (_time.perf_counter() - started) * 1000
        result.latencies_ms.append(latency)
        _record_agent(result, turn, latency)
        if turn.end:
            caller.observe(turn)
            return True


def _record_agent(result: ScenarioResult, turn: AgentTurn, latency: float | None) -> None:
    if turn.state_known:
        result.note_inference(turn.awaiting, turn.text, end=turn.end)
        awaiting = turn.awaiting
    else:
        awaiting = textrules.infer_awaiting(turn.text)
    result.transcript.append(TranscriptLine("agent", turn.text, awaiting, latency))


def _check(result: ScenarioResult, scenario: Scenario, caller: Caller, stage: Stage,
           before: dict[str, Any], after: dict[str, Any]) -> None:
    want = scenario.expect
    if result.outcome != want.outcome:
        why = f"outcome: expected {want.outcome}, got {result.outcome or 'none'}"
        if caller.stuck:
            why += f" (the caller hung up: {caller.stuck})"
        result.fail(why)
    moved = changed(before, after)
    if len(moved) != want.expected_changes():
        listed = "; ".join(b.describe() for b in moved) or "none"
        result.fail(f"appointments changed by the call: expected {want.expected_changes()}, "
                    f"got {len(moved)} ({listed})")
    if want.appointment is not None:
        status = "cancelled" if want.outcome == "cancelled" else "booked"
        if not any(b.matches(want.appointment, stage.anchor) and b.status == status
                   for b in moved):
            a = want.appointment
            on = stage.anchor + timedelta(days=a.day)
            if a.day_max is not None:
                on_last = stage.anchor + timedelta(days=a.day_max)
                wanted_day = f"between {on} and {on_last}"
            else:
                wanted_day = f"on {on}"
            wanted = (f"{a.service} {wanted_day} "
                      f"{a.time or '(any time)'}" + (f" with {a.resource}" if a.resource else ""))
            listed = "; ".join(b.describe() for b in moved) or "nothing changed"
            result.fail(f"appointment: expected {wanted} ({status}); the call left: {listed}")
    replies = [textrules.fold(t.text) for t in result.transcript if t.speaker == "agent"]
    for text in want.reply_contains:
        needle = expand(text, stage.anchor, scenario.lang)
        if not any(textrules.fold(needle) in r for r in replies):
            result.fail(f"no agent reply contains {needle!r}")
    for text in want.reply_not_contains:
        needle = expand(text, stage.anchor, scenario.lang)
        if any(textrules.fold(needle) in r for r in replies):
            result.fail(f"an agent reply contains {needle!r}, which it must not")


# --- many scenarios -----------------------------------------------------------------------


def run_all(target: Target, scenarios: Iterable[Scenario],
            progress: Callable[[ScenarioResult], None] | None = None) -> list[ScenarioResult]:
    results = []
    for scenario in scenarios:
        result = run_scenario(target, scenario)
        results.append(result)
        if progress is not None:
            progress(result)
    return results


@contextmanager
def in_process(now: datetime | None = None,
               brain: Brain | None = None) -> Iterator[InProcess]:
    target = InProcess(now, brain=brain)
    try:
        yield target
    finally:
        target.close()
