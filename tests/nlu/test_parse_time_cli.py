"""``frontdesk parse-time`` run as a user runs it: a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "frontdesk", "parse-time", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_text_with_now_and_zone() -> None:
    # Saturday before the clocks go forward in New York: tomorrow 9am is EDT.
    done = run("tomorrow at 9", "--now", "2026-03-07T10:00", "--tz", "America/New_York")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [
        {
            "text": "tomorrow at 9",
            "start": 0,
            "end": 13,
            "kind": "instant",
            "grain": "hour",
            "value": "2026-03-08T09:00:00-04:00",
        }
    ]


def test_now_with_an_offset_is_converted_into_the_zone() -> None:
    # 15:00 UTC is 10:00 in New York: "at noon" is still today there.
    done = run("at noon", "--now", "2026-03-04T15:00:00+00:00", "--tz", "America/New_York")
    assert json.loads(done.stdout)[0]["value"] == "2026-03-04T12:00:00-05:00"


def test_zone_defaults_to_utc_and_language_can_be_forced() -> None:
    done = run("mañana a las 3 de la tarde", "--now", "2026-03-04T10:00", "--lang", "es")
    assert json.loads(done.stdout)[0]["value"] == "2026-03-05T15:00:00+00:00"


def test_business_hours_flag() -> None:
    done = run("tomorrow at 3", "--now", "2026-03-04T10:00", "--business-hours")
    assert json.loads(done.stdout)[0]["value"] == "2026-03-05T15:00:00+00:00"


def test_now_defaults_to_the_current_time() -> None:
    done = run("tomorrow", "--tz", "Europe/Madrid")
    assert done.returncode == 0, done.stderr
    [mention] = json.loads(done.stdout)
    assert mention["kind"] == "instant" and mention["grain"] == "day"


def test_no_time_prints_an_empty_list() -> None:
    done = run("May I book an appointment?", "--now", "2026-03-04T10:00")
    assert (done.returncode, json.loads(done.stdout)) == (0, [])


def test_bad_arguments_fail_with_a_message() -> None:
    bad_zone = run("noon", "--tz", "Mars/Olympus")
    assert bad_zone.returncode == 2 and "unknown time zone" in bad_zone.stderr
    bad_now = run("noon", "--now", "yesterday")
    assert bad_now.returncode == 2 and "ISO-8601" in bad_now.stderr
    nothing = run()
    assert nothing.returncode == 2


def test_jsonl_file(tmp_path: Path) -> None:
    lines = [
        {
            "id": "a",
            "text": "el martes por la tarde",
            "now": "2026-03-04T10:00:00+01:00",
            "lang": "es",
        },
        {"id": "b", "text": "next Tuesday afternoon", "now": "2026-03-04T10:00:00-05:00"},
        {"id": "c", "text": "nothing here", "now": "2026-03-04T10:00:00-05:00", "lang": "en"},
    ]
    path = tmp_path / "turns.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    done = run("--jsonl", str(path))
    assert done.returncode == 0, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["id"] for a in answers] == ["a", "b", "c"]
    assert answers[0]["mentions"][0]["from"] == "2026-03-10T12:00:00+01:00"
    assert answers[1]["mentions"][0]["to"] == "2026-03-10T19:00:00-05:00"
    assert answers[2]["mentions"] == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "Expecting value"),
        ('{"id": 7, "text": 42}', '"text" must be a string'),
        ('{"id": 8, "text": "noon", "now": "soon"}', "ISO-8601"),
        ('{"id": 9, "text": "noon", "lang": "fr"}', "unsupported language"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_bad_jsonl_lines_answer_with_an_error(line: str, message: str) -> None:
    good = '{"id": "ok", "text": "at noon", "now": "2026-03-04T10:00:00+00:00"}'
    done = run("--jsonl", "-", stdin=f"{line}\n\n{good}\n")
    assert done.returncode == 0, done.stderr
    bad_answer, good_answer = (json.loads(x) for x in done.stdout.splitlines())
    assert message in bad_answer["error"]
    assert set(bad_answer) == {"id", "error"}
    assert good_answer["mentions"][0]["value"] == "2026-03-04T12:00:00+00:00"


def test_missing_jsonl_file(tmp_path: Path) -> None:
    done = run("--jsonl", str(tmp_path / "absent.jsonl"))
    assert done.returncode == 2 and "cannot read" in done.stderr
