"""Measure time understanding on real data: Duckling's corpora and SGD user turns.

Scoring (docs/NLU-TIME.md has the full text):

* Duckling (one expression per case): the parser's *longest* mention (the first of equal
  length) is the answer. ``expected: null`` is correct when nothing is found.
  - strict: an expected instant needs an instant with the same value and grain, or an
    interval that spans exactly that grain (``[value, value + grain)``, which is how a
    quarter - a grain TimeMention lacks - comes out); an expected interval needs an
    interval with the same ends (an open end matches only an open end) and grain.
  - value: the value agrees down to the expected grain, grain itself not compared
    (dateparser has no grains, so this is the side-by-side measure; intervals still
    need both ends).
  - convention: strict, except that a range Duckling closes one grain after its stated
    end ("3-4pm" to 17:00, "4pm for 30 mins" to 16:31) also counts when it ends at the
    stated end (16:00, 16:30), as frontdesk's ranges deliberately do.
* SGD: for each annotated date/time span, some mention overlapping the span must resolve
  to the canonical value: the ISO date for a date slot, HH:MM for a time slot (an
  interval by its start). "Today" is Friday 2019-03-01; now is 09:00 UTC that day.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from frontdesk.nlu.timecalc import add

SGD_NOW = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)
PARSERS = ("frontdesk", "dateparser")
_VALUE = re.compile(r"^(-?\d{1,4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)$")
_GRAIN_FIELDS = {
    "year": 1, "quarter": 2, "month": 2, "week": 3, "day": 3, "hour": 4, "minute": 5, "second": 6,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Reading:
    """One time a parser found: an instant (``value``) or an interval (``start_at``/``end_at``)."""

    start: int
    end: int
    kind: str
    grain: str | None = None
    value: datetime | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None


ParseFn = Callable[[str, datetime, str], list[Reading]]


@dataclass(slots=True)
class Score:
    n: int = 0
    correct: int = 0
    value_correct: int = 0
    convention_correct: int = 0
    instants: int = 0  # cases whose answer is one instant (what dateparser can express)
    instant_value_correct: int = 0
    seconds: float = 0.0
    calls: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        n = max(self.n, 1)
        return {
            "n": self.n,
            "correct": self.correct,
            "accuracy": round(self.correct / n, 4),
            "value_correct": self.value_correct,
            "value_accuracy": round(self.value_correct / n, 4),
            "convention_correct": self.convention_correct,
            "convention_accuracy": round(self.convention_correct / n, 4),
            "instants": self.instants,
            "instant_value_accuracy": round(self.instant_value_correct / max(self.instants, 1), 4),
            "ms_per_parse": round(1000 * self.seconds / max(self.calls, 1), 3),
            "failures": len(self.failures),
        }


# ---- parsers ----------------------------------------------------------------------------


def frontdesk_parser(text: str, now: datetime, lang: str) -> list[Reading]:
    from frontdesk.nlu.timeparse import parse_time

    return [
        Reading(m.start, m.end, m.kind, m.grain, m.value, m.start_at, m.end_at)
        for m in parse_time(text, now=now, lang=lang)
    ]


def dateparser_parser(text: str, now: datetime, lang: str) -> list[Reading]:
    """dateparser at its best: ``parse`` of the whole text when it reads as one date,
    else ``search_dates`` in it; now as the base, dates preferred in the future."""
    import dateparser  # type: ignore[import-untyped,unused-ignore]
    from dateparser.search import search_dates  # type: ignore[import-untyped,unused-ignore]

    settings = {
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    whole = dateparser.parse(text, languages=[lang], settings=settings)
    if whole is not None:
        aware = whole.replace(tzinfo=now.tzinfo) if whole.tzinfo is None else whole
        return [Reading(0, len(text), "instant", None, aware)]
    found = search_dates(text, languages=[lang], settings=settings) or []
    out: list[Reading] = []
    cursor = 0
    for phrase, value in found:
        start = text.find(phrase, cursor)
        start = start if start >= 0 else text.find(phrase)
        cursor = max(cursor, start + len(phrase))
        aware = value.replace(tzinfo=now.tzinfo) if value.tzinfo is None else value
        out.append(Reading(start, start + len(phrase), "instant", None, aware))
    return out


def get_parser(name: str) -> ParseFn | str:
    """The parse function, or why it cannot run ("not installed")."""
    if name == "frontdesk":
        return frontdesk_parser
    if name == "dateparser":
        try:
            import dateparser  # type: ignore[import-untyped,unused-ignore]  # noqa: F401
        except ImportError:
            return "not installed"
        return dateparser_parser
    raise ValueError(f"unknown parser {name!r}")


# ---- Duckling ---------------------------------------------------------------------------


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _parse_value(text: str) -> tuple[tuple[int, ...], timezone] | None:
    m = _VALUE.match(text)
    if m is None:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    tz_text = m.group(7)
    if tz_text == "Z":
        offset = UTC
    else:
        sign = -1 if tz_text[0] == "-" else 1
        offset = timezone(sign * timedelta(hours=int(tz_text[1:3]), minutes=int(tz_text[4:6])))
    return (y, max(mo, 1), max(d, 1), h, mi, s), offset


def _same(got: datetime | None, want: dict[str, Any] | None, grain: str | None) -> bool:
    """``got`` equals the expected value, compared down to ``grain`` (all fields if None)."""
    if got is None or want is None:
        return got is None and want is None
    parsed = _parse_value(want["value"])
    if parsed is None:
        return False
    fields, offset = parsed
    local = got.astimezone(offset)
    mine = (local.year, local.month, local.day, local.hour, local.minute, local.second)
    upto = _GRAIN_FIELDS.get(grain or "second", 6)
    return mine[:upto] == fields[:upto]


def _grain_span(value: datetime, grain: str) -> datetime:
    return add(value, grain, 1)


def judge_duckling(readings: list[Reading], expected: dict[str, Any] | None) -> tuple[bool, bool]:
    """(strict, value) correctness of a parser's readings for one Duckling case."""
    if expected is None:
        return (not readings, not readings)
    if not readings:
        return False, False
    best = max(readings, key=lambda r: (r.end - r.start, -r.start))
    if expected["type"] == "value":
        grain = expected["grain"]
        if best.kind == "instant":
            value_ok = _same(best.value, expected, grain)
            return value_ok and best.grain == grain, value_ok
        if best.start_at is None or best.end_at is None:
            return False, False
        parsed = _parse_value(expected["value"])
        if parsed is None:
            return False, False
        fields, offset = parsed
        y, mo, d, h, mi, s = fields
        if y < 1:
            return False, False
        want = datetime(y, mo, d, h, mi, s, tzinfo=offset)
        ok = best.start_at == want and best.end_at == _grain_span(want, grain)
        return ok, ok
    if best.kind != "interval":
        return False, False
    lo, hi = expected.get("from"), expected.get("to")
    grain = (lo or hi or {}).get("grain")
    ends = _same(best.start_at, lo, None) and _same(best.end_at, hi, None)
    return ends and best.grain == grain, ends


def closed_one_grain_early(readings: list[Reading], expected: dict[str, Any] | None) -> bool:
    """The answer is Duckling's range, ending one grain earlier (at the stated end)."""
    if not readings or expected is None or expected["type"] != "interval":
        return False
    lo, hi = expected.get("from"), expected.get("to")
    best = max(readings, key=lambda r: (r.end - r.start, -r.start))
    if lo is None or hi is None or best.kind != "interval" or best.end_at is None:
        return False
    if not _same(best.start_at, lo, None) or best.grain != lo["grain"]:
        return False
    return _same(_grain_span(best.end_at, lo["grain"]), hi, None)


def evaluate_duckling(rows: Iterable[dict[str, Any]], parse: ParseFn) -> Score:
    score = Score()
    for row in rows:
        now = datetime.fromisoformat(row["reference_datetime"])
        started = time.perf_counter()
        readings = parse(row["input"], now, row["lang"])
        score.seconds += time.perf_counter() - started
        score.calls += 1
        strict, value = judge_duckling(readings, row["expected"])
        score.n += 1
        score.correct += strict
        score.value_correct += value
        score.convention_correct += strict or closed_one_grain_early(readings, row["expected"])
        if row["expected"] is not None and row["expected"]["type"] == "value":
            score.instants += 1
            score.instant_value_correct += value
        if not strict:
            score.failures.append(
                {"input": row["input"], "expected": row["expected"], "got": _show(readings)}
            )
    return score


def _show(readings: list[Reading]) -> list[dict[str, Any]]:
    def iso(d: datetime | None) -> str | None:
        return d.isoformat() if d is not None else None

    return [
        {"span": [r.start, r.end], "kind": r.kind, "grain": r.grain, "value": iso(r.value),
         "from": iso(r.start_at), "to": iso(r.end_at)}
        for r in readings
    ]  # fmt: skip


# ---- SGD --------------------------------------------------------------------------------


def sgd_cases(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One case per annotated date/time span: text, span, slot kind, canonical value."""
    cases = []
    for row in rows:
        canon: dict[tuple[str, str], str] = {}
        for act in row.get("datetime_user_actions", []):
            for said, value in zip(act["values"], act["canonical_values"], strict=False):
                canon[(act["slot"], said)] = value
        for span in row.get("datetime_spans", []):
            value = canon.get((span["slot"], span["text"]))
            if value is None:
                continue
            cases.append(
                {
                    "text": row["utterance"],
                    "start": span["start"],
                    "end": span["exclusive_end"],
                    "said": span["text"],
                    "kind": "time" if re.fullmatch(r"\d\d:\d\d", value) else "date",
                    "value": value,
                }
            )
    return cases


def judge_sgd(readings: list[Reading], case: dict[str, Any]) -> bool:
    for r in readings:
        if r.end <= case["start"] or r.start >= case["end"]:
            continue
        moment = r.value if r.kind == "instant" else r.start_at
        if moment is None:
            continue
        if case["kind"] == "date" and moment.date().isoformat() == case["value"]:
            return True
        if case["kind"] == "time" and moment.strftime("%H:%M") == case["value"]:
            return True
    return False


def evaluate_sgd(rows: Iterable[dict[str, Any]], parse: ParseFn, now: datetime = SGD_NOW) -> Score:
    score = Score()
    memo: dict[str, list[Reading]] = {}
    for case in sgd_cases(rows):
        text = case["text"]
        if text not in memo:
            started = time.perf_counter()
            memo[text] = parse(text, now, "en")
            score.seconds += time.perf_counter() - started
            score.calls += 1
        ok = judge_sgd(memo[text], case)
        score.n += 1
        score.correct += ok
        score.value_correct += ok
        score.convention_correct += ok
        score.instants += 1
        score.instant_value_correct += ok
        if not ok:
            score.failures.append({**case, "got": _show(memo[text])})
    return score


# ---- everything -------------------------------------------------------------------------

CORPORA = {
    "duckling_en": ("duckling_time_en.jsonl", evaluate_duckling),
    "duckling_es": ("duckling_time_es.jsonl", evaluate_duckling),
    "sgd": ("sgd_user_turn_slots_dev.jsonl", evaluate_sgd),
}


def evaluate_corpus(data_dir: Path, corpus: str, parser: str) -> Score | str:
    parse = get_parser(parser)
    if isinstance(parse, str):
        return parse
    filename, evaluate = CORPORA[corpus]
    return evaluate(load_jsonl(data_dir / filename), parse)


def evaluate_corpora(data_dir: Path, parsers: Iterable[str] = PARSERS) -> dict[str, Any]:
    """Accuracy of each parser on each corpus, JSON-able."""
    results: dict[str, Any] = {}
    for corpus in CORPORA:
        entry: dict[str, Any] = {"parsers": {}}
        for parser in parsers:
            score = evaluate_corpus(data_dir, corpus, parser)
            if isinstance(score, str):
                entry["parsers"][parser] = score
                continue
            entry["n"] = score.n
            entry["parsers"][parser] = score.summary()
        results[corpus] = entry
    return results


def main(argv: list[str] | None = None) -> int:
    """``python -m frontdesk.nlu.timeeval [DATA_DIR] [--failures CORPUS] [--only frontdesk]``"""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m frontdesk.nlu.timeeval")
    parser.add_argument("data_dir", nargs="?", default="../shared/data", type=Path)
    parser.add_argument("--failures", choices=sorted(CORPORA), help="print this corpus's misses")
    parser.add_argument("--parser", default="frontdesk", help="whose misses to print")
    parser.add_argument("--only", action="append", choices=PARSERS, help="parsers to run")
    args = parser.parse_args(argv)
    if args.failures:
        score = evaluate_corpus(args.data_dir, args.failures, args.parser)
        if isinstance(score, str):
            print(score)
            return 1
        for failure in score.failures:
            print(json.dumps(failure, ensure_ascii=False))
        print(json.dumps(score.summary()), file=sys.stderr)
        return 0
    print(json.dumps(evaluate_corpora(args.data_dir, args.only or PARSERS), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
