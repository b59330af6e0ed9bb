"""``frontdesk campaign demo`` as a new user runs it: one command, no keys, no services.

A real process: its own server, the simulated carrier, twenty leads called through the
product's Twilio placer, answered by simulated people whose decisions the outbound
conversation must recognise.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from frontdesk.campaign_demo.leads import make_leads

ROW = re.compile(r"^(?P<name>.+?)\s{2,}(?P<phone>\+1\d{10})\s{2,}(?P<zone>\S+)\s{2,}"
                 r"(?P<person>.+?)\s{2,}(?P<outcome>\S+)\s{2,}(?P<next>.+?)\s{2,}"
                 r"(?P<calls>\d+)$")


def test_the_demo_calls_every_lead_once_and_prints_the_table(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    if not make_leads(now + timedelta(minutes=1), seed=12)[0]:
        pytest.skip("a US public holiday wherever calls are allowed now: the demo says so")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env.update({"FRONTDESK_DATA_DIR": str(tmp_path), "PYTHONUNBUFFERED": "1"})
    done = subprocess.run([sys.executable, "-m", "frontdesk", "campaign", "demo"],
                          env=env, capture_output=True, text=True, timeout=240)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "imported            20 leads from CSV\n" in out  # no row refused or warned
    progress = [line for line in out.splitlines() if line.startswith("called ")]
    assert progress and progress[-1].startswith("called 20/20 |")
    assert progress[-1].endswith("| remaining 0")
    rows = [m.groupdict() for m in map(ROW.match, out.splitlines()) if m]
    assert len(rows) == 20 and len({r["phone"] for r in rows}) == 20
    assert all(r["calls"] == "1" for r in rows)  # each lead called exactly once
    by_person: dict[str, set[str]] = {}
    for r in rows:
        by_person.setdefault(r["person"], set()).add(r["outcome"])
    assert by_person["voicemail machine"] == {"voicemail"}
    assert by_person["does not answer"] == {"no_answer"}
    assert by_person["line busy"] == {"busy"}
    assert by_person["says stop calling"] == {"opted_out"}
    assert by_person["declines"] == {"declined"}
    assert by_person["asks for a callback"] == {"callback_requested"}
    # People who pick the first time offered book it; two picking the same time at once
    # leave the later one to be offered another, so not every one of them must book.
    assert "booked" in by_person["books"]
    # "Call me back tomorrow at 3pm": 15:00 in the lead's own zone.
    assert all(" 15:00 " in r["next"] for r in rows if r["outcome"] == "callback_requested")
    # Not reached: called again later, at a time the table gives in the lead's zone.
    assert all(r["next"] != "-" for r in rows if r["outcome"] in ("busy", "no_answer"))
    assert all(r["next"] == "-" for r in rows if r["outcome"] == "opted_out")
    assert "the carrier was asked for 20 calls to 20 numbers\n" in out
    assert "went wrong" not in out and "\x1b[" not in out  # not a terminal: plain lines
