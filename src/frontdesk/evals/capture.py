"""A real conversation as an eval scenario (``frontdesk eval capture``; ADR 0067).

The conversation comes redacted (``services.conversation_export``); its placeholders
become fake but valid values (a fictional 555 number, a made-up name) so the scenario
runs. The caller's lines are the script, in order. Time is kept relative: the scenario's
``start`` puts the call on the same weekday and hour as the original (day +0 is a
Monday), and written dates become ``{date+N}``, so "tomorrow", "Friday" and "December
9th" mean what they meant. The expectation comes from what the conversation did: a
booking, a move or a cancellation at its time; a conversation that ended without one but
searched for a service is captured as the booking the caller wanted, which is what a
failed call should become (edit it where the guess is wrong).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import phonenumbers

from frontdesk.evals.scenario import day_phrase, parse_scenario
from frontdesk.nlu.redact import PLACEHOLDER

FAKE_NAMES = {"en": ("Alex Morgan", "Casey Brooks", "Robin Hale"),
              "es": ("Elena Castillo", "Pablo Ortega", "Inés Molina")}
_FAKE_NATIONAL = {"US": "2125550{:03d}", "ES": "6000001{:02d}"}
WRITES = {"book": "booked", "reschedule": "rescheduled", "cancel": "cancelled"}
_EN_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december")
_ES_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
              "septiembre", "octubre", "noviembre", "diciembre")


class Fakes:
    """Placeholder -> a fake value that the agent accepts, the same one each time."""

    def __init__(self, lang: str, region: str) -> None:
        self.lang, self.region = lang, region if region in _FAKE_NATIONAL else "US"

    def phone(self, n: int) -> str:
        raw = _FAKE_NATIONAL[self.region].format(150 + n if self.region == "US" else n)
        number = phonenumbers.parse(raw, self.region)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def spoken_phone(self, n: int) -> str:
        number = phonenumbers.parse(self.phone(n))
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)

    def name(self, n: int) -> str:
        names = FAKE_NAMES.get(self.lang, FAKE_NAMES["en"])
        return names[(n - 1) % len(names)]

    def text(self, text: str) -> str:
        def one(m: re.Match[str]) -> str:
            kind, n = m[1], int(m[2])
            if kind == "NAME":
                return self.name(n)
            if kind == "PHONE":
                return self.spoken_phone(n)
            if kind == "EMAIL":
                return f"caller{n}@example.com"
            return day_phrase("date", date(1980, 1, min(n, 28)), self.lang) + ", 1980"
        return PLACEHOLDER.sub(one, text)

    def e164(self, placeholder: str | None) -> str | None:
        m = PLACEHOLDER.fullmatch(placeholder or "")
        return self.phone(int(m[2])) if m and m[1] == "PHONE" else None


def _dates_to_placeholders(text: str, start: date, start_day: int) -> str:
    """Written dates near the call ("December 9th", "9 de diciembre") -> "{date+N}"."""
    for offset in range(-7, 61):
        when = start + timedelta(days=offset)
        n = start_day + offset
        if not 0 <= n <= 60:
            continue
        en, es = _EN_MONTHS[when.month - 1], _ES_MONTHS[when.month - 1]
        for pattern in (rf"\b{en} {when.day}(?:st|nd|rd|th)?\b",
                        rf"\b{when.day} de {es}\b"):
            text = re.sub(pattern, f"{{date+{n}}}", text, flags=re.IGNORECASE)
    return text


def _writes(record: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in record["turns"] if t["role"] == "tool" and t["tool_name"] in WRITES
            and (t["tool_result"] or {}).get("ok")]


def _services(record: dict[str, Any]) -> dict[str, str]:
    return {s["id"]: s["name"] for s in record["business"]["services"]}


def _day_of(moment: str, start: date, start_day: int, tz_of: datetime) -> tuple[int, str]:
    when = datetime.fromisoformat(moment).astimezone(tz_of.tzinfo)
    return start_day + (when.date() - start).days, f"{when:%H:%M}"


def scenario_from_record(record: dict[str, Any], scenario_id: str) -> dict[str, Any]:
    """The scenario (as the YAML's mapping) for one exported conversation."""
    started = datetime.fromisoformat(record["started_at"])
    start, start_day = started.date(), started.weekday()
    lang = record["language"] if record["language"] in ("en", "es") else "en"
    fakes = Fakes(lang, record["business"].get("country", "US"))
    caller = fakes.e164(record["caller_phone"]) if record["caller_verified"] else None
    script = [_dates_to_placeholders(fakes.text(t["text"]), start, start_day)
              for t in record["turns"] if t["role"] == "user" and t["text"]]
    expect, setup, note = _expectation(record, start, start_day, started, fakes, caller)
    scenario: dict[str, Any] = {
        "id": scenario_id, "lang": lang,
        "tenant": "clinic" if record["business"]["persona"] == "medical" else "salon",
        "caller_phone": caller,
        "description": (f"Captured from conversation {record['id']} ({record['channel']}, "
                        f"{record['outcome'] or 'no outcome'}). {note}").strip(),
        "modes": ["inprocess"],  # its clock is the original's weekday and hour
        "start": {"day": start_day, "time": f"{started:%H:%M}"},
        **({"setup": setup} if setup else {}),
        "script": script or ["hello"],
        "answers": {"name": fakes.name(1), "phone": fakes.spoken_phone(1)},
        "expect": expect,
    }
    parse_scenario(scenario, f"<capture of {record['id']}>")  # refuse what could not run
    return scenario


def _expectation(record: dict[str, Any], start: date, start_day: int, started: datetime,
                 fakes: Fakes, caller: str | None
                 ) -> tuple[dict[str, Any], dict[str, Any], str]:
    user_turns = sum(1 for t in record["turns"] if t["role"] == "user")
    max_turns = min(50, user_turns + 4)
    setup: dict[str, Any] = {}
    if caller:
        setup["customers"] = [{"phone": caller, "name": fakes.name(1), "language":
                               record["language"] if record["language"] in ("en", "es")
                               else "en"}]
    writes = _writes(record)
    if writes:
        last = writes[-1]
        appointment = last["tool_result"]["appointment"]
        day, clock = _day_of(appointment["start"], start, start_day, started)
        outcome = WRITES[str(last["tool_name"])]
        expect = {"outcome": outcome, "max_turns": max_turns, "appointment": {
            "service": appointment["service_name"], "day": day, "time": clock}}
        note = ""
        if outcome in ("rescheduled", "cancelled") and caller:
            # The time before a move is not recorded: two hours before the new one.
            before = datetime.fromisoformat(appointment["start"]).astimezone(started.tzinfo)
            if outcome == "rescheduled":
                before -= timedelta(hours=2)
                note = "Setup: the appointment's old time is a guess (2 hours earlier)."
            setup["appointments"] = [{
                "service": appointment["service_name"], "resource": appointment["resource_name"],
                "day": start_day + (before.date() - start).days, "time": f"{before:%H:%M}",
                "customer_phone": caller}]
        return expect, setup, note
    searches = [t for t in record["turns"] if t["tool_name"] == "find_open_slots"
                and (t["tool_args"] or {}).get("service_id") in _services(record)]
    if searches:
        args = searches[-1]["tool_args"]
        low, _ = _day_of(args["start"], start, start_day, started)
        high, _ = _day_of((datetime.fromisoformat(args["end"]) - timedelta(seconds=1))
                          .isoformat(), start, start_day, started)
        low, high = max(low, 0), min(max(high, low), 60)
        return ({"outcome": "booked", "max_turns": max_turns, "appointment": {
            "service": _services(record)[args["service_id"]],
            "day": low if high == low else f"+{low}..+{high}"}}, setup,
                "Expectation inferred: the caller looked for this service and booked "
                "nothing; this is what should have happened (edit if not).")
    outcome = record["outcome"] if record["outcome"] in (
        "info", "transferred", "abandoned", "opted_out") else "abandoned"
    return {"outcome": outcome, "max_turns": max_turns}, setup, ""
