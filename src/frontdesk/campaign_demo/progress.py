"""Counting a campaign's first attempts and showing them: one line that updates in
place on a terminal (``\\r`` and an ANSI line clear), a new line per change otherwise;
then a table with a row per lead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from frontdesk.campaign_demo.leads import DemoLead

CALLING = "calling"
PENDING = "pending"
# Column label -> the outcome the product records (``outreach.Outcome``).
OUTCOMES: tuple[tuple[str, str], ...] = (
    ("booked", "booked"), ("declined", "declined"), ("callback", "callback_requested"),
    ("voicemail", "voicemail"), ("no answer", "no_answer"), ("busy", "busy"),
    ("opted out", "opted_out"),
)
_CLEAR_LINE = "\r\x1b[2K"


@dataclass(frozen=True)
class Tally:
    total: int
    called: int  # leads with a first attempt under way or over
    reached: int  # calls a person picked up (the carrier's count)
    outcomes: Mapping[str, int] = field(default_factory=dict)
    other: int = 0  # first attempts that ended some other way (failed, wrong number)
    remaining: int = 0  # leads whose first attempt has no outcome yet
    campaign: str = "running"

    @property
    def done(self) -> bool:
        """Every lead's first attempt is over (or the lead may never be called), or the
        campaign ended. Retries and callbacks come later: the demo does not wait."""
        return self.remaining == 0 or self.campaign in ("completed", "cancelled")


def first_attempt_over(lead: Mapping[str, Any]) -> bool:
    if lead["status"] == CALLING:
        return False
    return bool(lead["attempts"] >= 1 or lead["status"] != PENDING)


def outcome_of(lead: Mapping[str, Any]) -> str:
    """What the product recorded: the last attempt's outcome, else the lead's state (a
    lead never called says why: ``no_consent``, ``do_not_call``...)."""
    if lead["status"] == CALLING:
        return "in call"
    return str(lead["last_outcome"] or lead["status"])


def tally(leads: Sequence[Mapping[str, Any]], reached: int, campaign: str) -> Tally:
    labels = {recorded: label for label, recorded in OUTCOMES}
    counts = {label: 0 for label, _ in OUTCOMES}
    other = 0
    for lead in leads:
        if lead["attempts"] < 1 or lead["status"] == CALLING:
            continue
        label = labels.get(str(lead["last_outcome"]))
        if label is None:
            other += 1
        else:
            counts[label] += 1
    return Tally(
        total=len(leads), called=sum(1 for lead in leads if lead["attempts"] >= 1),
        reached=reached, outcomes=counts, other=other,
        remaining=sum(1 for lead in leads if not first_attempt_over(lead)), campaign=campaign)


def progress_line(t: Tally) -> str:
    parts = [f"called {t.called}/{t.total}", f"reached {t.reached}"]
    parts += [f"{label} {t.outcomes.get(label, 0)}" for label, _ in OUTCOMES]
    if t.other:
        parts.append(f"other {t.other}")
    parts.append(f"remaining {t.remaining}")
    return " | ".join(parts)


class ProgressView:
    """Shows each tally: in place on a terminal, as a new line (only when it changed)
    anywhere else (a log, a pipe, a test)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.live = out.isatty()
        self._last = ""

    def show(self, t: Tally) -> None:
        line = progress_line(t)
        if line == self._last:
            return
        self._last = line
        if self.live:
            self.out.write(_CLEAR_LINE + line)
        else:
            self.out.write(line + "\n")
        self.out.flush()

    def close(self) -> None:
        if self.live and self._last:
            self.out.write("\n")
            self.out.flush()


def _when(raw: str | None, zone: str) -> str:
    if not raw:
        return "-"
    local = datetime.fromisoformat(raw).astimezone(ZoneInfo(zone))
    return local.strftime("%a %d %b %H:%M %Z")


def lead_table(demo_leads: Sequence[DemoLead], found: Mapping[str, Mapping[str, Any]],
               people: Mapping[str, str], calls: Mapping[str, int]) -> str:
    """A row per lead: who, their number, who the simulator played, what the product
    recorded, when it will call again (the lead's own time) and the calls the carrier got."""
    header = ("name", "phone", "time zone", "simulated person", "outcome",
              "next attempt (their time)", "calls")
    rows = [header]
    for lead in demo_leads:
        row = found.get(lead.phone, {})
        rows.append((
            lead.name, lead.phone, lead.timezone, people.get(lead.phone, "?"),
            outcome_of(row) if row else "not imported",
            _when(row.get("next_attempt_at"), lead.timezone) if row else "-",
            str(calls.get(lead.phone, 0)),
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
