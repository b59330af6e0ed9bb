"""Scenario files: load, validate (with errors that name the file and the field), expand.

One YAML file is one call: who calls which business, what is set up first, what the
caller says, how they answer questions, and what must be true afterwards. The format is
documented in ``docs/EVAL.md``; :func:`load_scenario` is its executable definition.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml  # type: ignore[import-untyped, unused-ignore]

from frontdesk.evals.scenario_reader import MAX_DAY, Reader, ScenarioError, kind_of

OUTCOMES = ("booked", "rescheduled", "cancelled", "info", "transferred", "abandoned", "opted_out")
AWAITING = ("service", "time", "choice", "name", "phone", "confirm", "which_appointment",
            "anything_else", "confirm_transfer", "code", "resend_code")
TENANTS = ("salon", "clinic")
LANGS = ("en", "es")
MODES = ("inprocess", "server")

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_DAY_REF = re.compile(r"^(day|weekday|date)\+(\d{1,2})$")

_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ES_DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_ES_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre")


@dataclass(frozen=True, slots=True)
class Step:
    say: str
    when: str | None = None  # only when the agent awaits this


@dataclass(frozen=True, slots=True)
class CustomerSetup:
    phone: str
    name: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class AppointmentSetup:
    service: str
    day: int
    time: str
    resource: str | None = None
    customer_phone: str | None = None


@dataclass(frozen=True, slots=True)
class FillDay:
    service: str
    day: int


@dataclass(frozen=True, slots=True)
class Setup:
    customers: tuple[CustomerSetup, ...] = ()
    appointments: tuple[AppointmentSetup, ...] = ()
    fill_days: tuple[FillDay, ...] = ()


@dataclass(frozen=True, slots=True)
class AppointmentExpect:
    service: str
    day: int
    time: str | None = None
    resource: str | None = None
    day_max: int | None = None  # "day: +3..+6": any day in that range

    def days(self) -> range:
        return range(self.day, (self.day_max if self.day_max is not None else self.day) + 1)


@dataclass(frozen=True, slots=True)
class Expect:
    outcome: str
    appointment: AppointmentExpect | None = None
    max_turns: int = 12
    reply_contains: tuple[str, ...] = ()
    reply_not_contains: tuple[str, ...] = ()
    changes: int | None = None  # appointments the call may create/move/cancel; None: by outcome

    def expected_changes(self) -> int:
        if self.changes is not None:
            return self.changes
        return 1 if self.outcome in ("booked", "rescheduled", "cancelled") else 0


@dataclass(frozen=True, slots=True)
class StartAt:
    """When the call happens, in-process: day +N at HH:MM local (default: day +0, the
    run's clock). A captured conversation keeps its weekday and hour this way, so its
    "tomorrow" and "Friday" still mean what they meant (``frontdesk eval capture``)."""

    day: int
    time: str


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    lang: str
    tenant: str
    caller_phone: str | None
    description: str
    script: tuple[Step, ...]
    answers: Mapping[str, tuple[str, ...]]
    expect: Expect
    setup: Setup = field(default_factory=Setup)
    modes: tuple[str, ...] = MODES
    path: str = ""
    start: StartAt | None = None


# --- day phrases ---------------------------------------------------------------------------


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def day_phrase(kind: str, day: date, lang: str) -> str:
    """``day``: 'on Wednesday, December 2nd' / 'el miércoles 2 de diciembre';
    ``weekday``: 'Wednesday' / 'miércoles'; ``date``: 'December 2nd' / '2 de diciembre'."""
    if lang == "es":
        weekday, when = _ES_DAYS[day.weekday()], f"{day.day} de {_ES_MONTHS[day.month - 1]}"
        return {"day": f"el {weekday} {when}", "weekday": weekday, "date": when}[kind]
    weekday, when = _EN_DAYS[day.weekday()], f"{_EN_MONTHS[day.month - 1]} {_ordinal(day.day)}"
    return {"day": f"on {weekday}, {when}", "weekday": weekday, "date": when}[kind]


def expand(text: str, anchor: date, lang: str) -> str:
    """Replace ``{day+N}``, ``{weekday+N}`` and ``{date+N}`` (N days after ``anchor``)."""

    def one(match: re.Match[str]) -> str:
        ref = _DAY_REF.match(match.group(1).replace(" ", ""))
        if ref is None:  # validated at load time; leave anything else as written
            return match.group(0)
        return day_phrase(ref.group(1), anchor + timedelta(days=int(ref.group(2))), lang)

    return _PLACEHOLDER.sub(one, text)


# --- loading -------------------------------------------------------------------------------

def _phone(r: Reader, key: str, *, required: bool = False) -> str | None:
    value = r.text(key, required=required)
    if value is not None and not _E164.match(value):
        r.fail(f"{value!r} is not an E.164 phone number like \"+12125550123\"", key)
    return value


def _placeholders(path: Path | str, where: str, text: str) -> str:
    for match in _PLACEHOLDER.finditer(text):
        ref = _DAY_REF.match(match.group(1).replace(" ", ""))
        if ref is None:
            raise ScenarioError(path, where, f"unknown placeholder {match.group(0)!r}: use "
                                "{day+N}, {weekday+N} or {date+N} (N = days after today)")
        if int(ref.group(2)) > MAX_DAY:
            raise ScenarioError(path, where,
                                f"{match.group(0)!r} is more than {MAX_DAY} days ahead")
    return text


def _strings(path: Path | str, where: str, value: object) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(values):
        at = f"{where}[{i}]" if isinstance(value, list) else where
        if (isinstance(item, bool) or not isinstance(item, str | int | float)
                or not str(item).strip()):
            raise ScenarioError(path, at, f"must be non-empty text, got {kind_of(item)}")
        out.append(_placeholders(path, at, str(item)))
    if not out:
        raise ScenarioError(path, where, "must not be an empty list")
    return tuple(out)


def _step(path: Path | str, where: str, item: object) -> Step:
    if isinstance(item, str):
        return Step(say=_placeholders(path, where, item))
    r = Reader(path, where, item, ("say", "when"))
    if isinstance(r.data.get("say"), list):
        r.fail("must be one line of text; put each line in its own script step", "say")
    say = r.get("say", lambda w, v: _strings(path, w, v)[0], required=True)
    return Step(say=say, when=r.choice("when", AWAITING))


def _setup(path: Path | str, data: object) -> Setup:
    r = Reader(path, "setup", data, ("customers", "appointments", "fill_day"))
    customers = []
    for where, item in r.items("customers"):
        c = Reader(path, where, item, ("phone", "name", "language"))
        customers.append(CustomerSetup(phone=_phone(c, "phone", required=True) or "",
                                       name=c.text("name"), language=c.choice("language", LANGS)))
    appointments = []
    for where, item in r.items("appointments"):
        a = Reader(path, where, item, ("service", "resource", "day", "time", "customer_phone"))
        appointments.append(AppointmentSetup(
            service=a.text("service", required=True), day=a.day("day"), time=a.clock("time"),
            resource=a.text("resource"), customer_phone=_phone(a, "customer_phone")))
    fills = []
    for where, item in r.items("fill_day"):
        f = Reader(path, where, item, ("service", "day"))
        fills.append(FillDay(service=f.text("service", required=True), day=f.day("day")))
    return Setup(tuple(customers), tuple(appointments), tuple(fills))


def _expect(path: Path | str, data: object) -> Expect:
    r = Reader(path, "expect", data, ("outcome", "appointment", "max_turns", "reply_contains",
                                       "reply_not_contains", "changes"))
    appointment = None
    if r.data.get("appointment") is not None:
        a = Reader(path, "expect.appointment", r.data["appointment"],
                    ("service", "day", "time", "resource"))
        low, high = a.get("day", a.day_range, required=True)
        appointment = AppointmentExpect(service=a.text("service", required=True), day=low,
                                        day_max=high, time=a.clock("time", required=False),
                                        resource=a.text("resource"))

    def count(where: str, value: object, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ScenarioError(path, where, f"must be a whole number from {low} to {high}, "
                                f"got {value!r}")
        return value

    def texts(key: str) -> tuple[str, ...]:
        value = r.data.get(key)
        if value is None or value == []:
            return ()
        return _strings(path, r.at(key), value)

    return Expect(
        outcome=r.choice("outcome", OUTCOMES, required=True),
        appointment=appointment,
        max_turns=r.get("max_turns", lambda w, v: count(w, v, 1, 50), 12),
        reply_contains=texts("reply_contains"),
        reply_not_contains=texts("reply_not_contains"),
        changes=r.get("changes", lambda w, v: count(w, v, 0, 20), None),
    )


_TOP = ("id", "lang", "tenant", "caller_phone", "description", "setup", "script", "answers",
        "expect", "modes", "start")


def parse_scenario(data: object, path: Path | str = "<scenario>") -> Scenario:
    """Validate one scenario's parsed YAML; raises :class:`ScenarioError`."""
    r = Reader(path, "", data, _TOP)
    scenario_id = r.text("id", required=True)
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", scenario_id):
        r.fail(f"{scenario_id!r} must be lowercase letters, digits, '-', '_' or '.'", "id")
    script_data = r.data.get("script")
    if not isinstance(script_data, list) or not script_data:
        raise ScenarioError(path, "script",
                            "is required: a list of what the caller says, e.g. - say: \"Hi\"")
    script = tuple(_step(path, f"script[{i}]", item) for i, item in enumerate(script_data))
    answers: dict[str, tuple[str, ...]] = {}
    if r.data.get("answers") is not None:
        a = Reader(path, "answers", r.data["answers"], AWAITING)
        answers = {k: _strings(path, a.at(k), v) for k, v in a.data.items() if v is not None}
    modes: tuple[str, ...] = MODES
    if r.data.get("modes") is not None:
        modes = _strings(path, "modes", r.data["modes"])
        bad = [m for m in modes if m not in MODES]
        if bad:
            r.fail(f"{bad[0]!r} is not one of {', '.join(MODES)}", "modes")
    if r.data.get("expect") is None:
        r.fail("is required (at least: outcome)", "expect")
    start = None
    if r.data.get("start") is not None:
        at = Reader(path, "start", r.data["start"], ("day", "time"))
        start = StartAt(day=at.day("day"), time=at.clock("time"))
    return Scenario(
        id=scenario_id,
        lang=r.choice("lang", LANGS, required=True),
        tenant=r.choice("tenant", TENANTS, required=True),
        caller_phone=_phone(r, "caller_phone"),
        description=r.text("description", default="") or "",
        script=script,
        answers=answers,
        expect=_expect(path, r.data["expect"]),
        setup=_setup(path, r.data["setup"]) if r.data.get("setup") is not None else Setup(),
        modes=modes,
        path=str(path),
        start=start,
    )


def load_scenario(path: Path) -> Scenario:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(path, where, f"not valid YAML: {problem}") from exc
    except OSError as exc:
        raise ScenarioError(path, "", f"cannot read: {exc.strerror or exc}") from exc
    return parse_scenario(data, path)


def load_scenarios(directory: Path, only: str | None = None) -> list[Scenario]:
    """Every ``*.yaml``/``*.yml`` under ``directory`` (sorted), optionally those whose id
    or file name matches the glob ``only``. Raises on the first invalid file or a
    repeated id."""
    from fnmatch import fnmatch

    if not directory.is_dir():
        raise ScenarioError(directory, "", "no such scenario directory")
    files = sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml"))
    seen: dict[str, str] = {}
    out = []
    for path in files:
        scenario = load_scenario(path)
        if scenario.id in seen:
            raise ScenarioError(path, "id",
                                f"{scenario.id!r} is also the id of {seen[scenario.id]}")
        seen[scenario.id] = str(path)
        if only and not any(fnmatch(name, only) for name in (scenario.id, path.name, path.stem)):
            continue
        out.append(scenario)
    return out
