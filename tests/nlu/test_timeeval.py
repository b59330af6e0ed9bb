"""The evaluation harness (pure scoring rules) and the corpus floors it guards.

The corpus tests read /work/shared/data (the project's ``../shared/data``) and fail when
accuracy drops below a floor a few points under what the parser reached when they were
written (docs/NLU-TIME.md has the figures), so a grammar change that loses cases shows.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from frontdesk.nlu.timeeval import (
    Reading,
    closed_one_grain_early,
    evaluate_corpora,
    evaluate_duckling,
    evaluate_sgd,
    frontdesk_parser,
    get_parser,
    judge_duckling,
    judge_sgd,
    load_jsonl,
    sgd_cases,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
needs_data = pytest.mark.skipif(
    not (DATA / "duckling_time_en.jsonl").exists(),
    reason=f"the shared evaluation data is not at {DATA} (a checkout without ../shared/data)",
)

TZ = timezone(timedelta(hours=-2))


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TZ)  # type: ignore[misc]


def value(text: str, grain: str) -> dict[str, object]:
    return {"type": "value", "value": text, "grain": grain}


def test_instant_needs_value_and_grain() -> None:
    expected = value("2013-02-15T00:00:00.000-02:00", "day")
    right = [Reading(0, 4, "instant", "day", at(2013, 2, 15))]
    wrong_grain = [Reading(0, 4, "instant", "hour", at(2013, 2, 15))]
    assert judge_duckling(right, expected) == (True, True)
    assert judge_duckling(wrong_grain, expected) == (False, True)
    assert judge_duckling([], expected) == (False, False)


def test_value_compares_down_to_the_expected_grain() -> None:
    # dateparser fills a day with now's time of day; the value measure forgives that
    expected = value("2013-02-13T00:00:00.000-02:00", "day")
    readings = [Reading(0, 8, "instant", None, at(2013, 2, 13, 4, 30))]
    assert judge_duckling(readings, expected) == (False, True)


def test_the_longest_mention_is_the_answer() -> None:
    expected = value("2013-02-13T15:00:00.000-02:00", "hour")
    readings = [
        Reading(0, 8, "instant", "day", at(2013, 2, 13)),
        Reading(0, 16, "instant", "hour", at(2013, 2, 13, 15)),
    ]
    assert judge_duckling(readings, expected) == (True, True)


def test_intervals_need_both_ends_and_open_ends_match_open_ends() -> None:
    expected = {
        "type": "interval",
        "from": {"value": "2013-02-12T14:00:00.000-02:00", "grain": "hour"},
    }
    open_end = [Reading(0, 10, "interval", "hour", None, at(2013, 2, 12, 14), None)]
    closed = [Reading(0, 10, "interval", "hour", None, at(2013, 2, 12, 14), at(2013, 2, 12, 15))]
    assert judge_duckling(open_end, expected) == (True, True)
    assert judge_duckling(closed, expected) == (False, False)


def test_a_quarter_may_come_as_the_interval_it_spans() -> None:
    expected = value("2013-04-01T00:00:00.000-02:00", "quarter")
    readings = [Reading(0, 12, "interval", "month", None, at(2013, 4, 1), at(2013, 7, 1))]
    assert judge_duckling(readings, expected) == (True, True)


def test_month_and_day_zero_in_expected_values_mean_the_first() -> None:
    # Duckling's Spanish corpus writes "2013-03-00" for the month of March
    expected = value("2013-03-00T00:00:00.000-02:00", "month")
    readings = [Reading(0, 12, "instant", "month", at(2013, 3, 1))]
    assert judge_duckling(readings, expected) == (True, True)


def test_negatives_are_right_when_nothing_is_found() -> None:
    assert judge_duckling([], None) == (True, True)
    assert judge_duckling([Reading(0, 1, "instant", "hour", at(2013, 2, 12, 7))], None) == (
        False,
        False,
    )


def test_range_convention_accepts_a_range_ending_at_its_stated_time() -> None:
    expected = {
        "type": "interval",
        "from": {"value": "2013-02-12T15:00:00.000-02:00", "grain": "hour"},
        "to": {"value": "2013-02-12T17:00:00.000-02:00", "grain": "hour"},
    }
    ours = [Reading(0, 5, "interval", "hour", None, at(2013, 2, 12, 15), at(2013, 2, 12, 16))]
    assert judge_duckling(ours, expected) == (False, False)
    assert closed_one_grain_early(ours, expected)


def test_duckling_rows_through_a_parser() -> None:
    now = "2013-02-12T04:30:00-02:00"
    rows = [
        {"lang": "en", "input": "tomorrow at 5pm", "reference_datetime": now,
         "expected": value("2013-02-13T17:00:00.000-02:00", "hour")},
        {"lang": "en", "input": "this one", "reference_datetime": now, "expected": None},
        {"lang": "en", "input": "the closest xmas to today", "reference_datetime": now,
         "expected": value("2012-12-25T00:00:00.000-02:00", "day")},
    ]  # fmt: skip
    score = evaluate_duckling(rows, frontdesk_parser)
    assert (score.n, score.correct) == (3, 2)
    assert [f["input"] for f in score.failures] == ["the closest xmas to today"]
    summary = score.summary()
    assert summary["accuracy"] == round(2 / 3, 4)
    assert summary["ms_per_parse"] >= 0


def test_sgd_spans_score_by_date_or_time() -> None:
    row = {
        "utterance": "Can you book it for the 7th at 4 pm please?",
        "datetime_spans": [
            {"slot": "appointment_time", "start": 31, "exclusive_end": 35, "text": "4 pm"},
            {"slot": "appointment_date", "start": 20, "exclusive_end": 27, "text": "the 7th"},
        ],
        "datetime_user_actions": [
            {"act": "INFORM", "slot": "appointment_time", "values": ["4 pm"],
             "canonical_values": ["16:00"]},
            {"act": "INFORM", "slot": "appointment_date", "values": ["the 7th"],
             "canonical_values": ["2019-03-07"]},
        ],
    }  # fmt: skip
    cases = sgd_cases([row])
    assert [(c["kind"], c["value"]) for c in cases] == [("time", "16:00"), ("date", "2019-03-07")]
    one_mention = [Reading(20, 35, "instant", "hour", datetime(2019, 3, 7, 16, tzinfo=TZ))]
    assert all(judge_sgd(one_mention, c) for c in cases)
    elsewhere = [Reading(0, 3, "instant", "hour", datetime(2019, 3, 7, 16, tzinfo=TZ))]
    assert not judge_sgd(elsewhere, cases[0])
    score = evaluate_sgd([row], frontdesk_parser)
    assert (score.n, score.correct) == (2, 2)


def test_unknown_parser_is_refused() -> None:
    with pytest.raises(ValueError):
        get_parser("duckling")


@needs_data
def test_corpora_stay_above_their_floors() -> None:
    results = evaluate_corpora(DATA, parsers=("frontdesk",))
    en = results["duckling_en"]["parsers"]["frontdesk"]
    es = results["duckling_es"]["parsers"]["frontdesk"]
    sgd = results["sgd"]["parsers"]["frontdesk"]
    assert results["duckling_en"]["n"] == 1033
    assert results["duckling_es"]["n"] == 226
    assert en["accuracy"] >= 0.74, en
    assert en["convention_accuracy"] >= 0.78, en
    assert es["accuracy"] >= 0.93, es
    assert sgd["accuracy"] >= 0.97, sgd


@needs_data
def test_frontdesk_beats_dateparser() -> None:
    if isinstance(get_parser("dateparser"), str):
        pytest.skip("dateparser is not installed (pip install dateparser)")
    results = evaluate_corpora(DATA)
    for corpus, entry in results.items():
        ours, theirs = entry["parsers"]["frontdesk"], entry["parsers"]["dateparser"]
        assert ours["value_accuracy"] > theirs["value_accuracy"], (corpus, ours, theirs)


def test_missing_dateparser_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_dateparser(name: str, *args: object, **kwargs: object) -> object:
        if name == "dateparser" or name.startswith("dateparser."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_dateparser)
    assert get_parser("dateparser") == "not installed"


@needs_data
def test_loading_keeps_every_row() -> None:
    assert len(load_jsonl(DATA / "duckling_time_es.jsonl")) == 226
