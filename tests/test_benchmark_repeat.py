"""benchmarks.repeat folds several runs' JSON into min / median / max per figure."""

from __future__ import annotations

from benchmarks.repeat import summarize_runs


def test_every_number_becomes_its_spread_and_the_rest_is_kept() -> None:
    runs = [
        {"rate": 10, "nested": {"p50": [2.0, 3.0]}, "engine": "sqlite", "ok": True},
        {"rate": 30, "nested": {"p50": [4.0, 5.0]}, "engine": "sqlite", "ok": False},
        {"rate": 20, "nested": {"p50": [0.0, 1.0]}},
    ]
    folded = summarize_runs(runs)
    assert folded["rate"] == {"min": 10.0, "median": 20.0, "max": 30.0}
    assert folded["nested"]["p50"] == [{"min": 0.0, "median": 2.0, "max": 4.0},
                                       {"min": 1.0, "median": 3.0, "max": 5.0}]
    assert folded["engine"] == "sqlite" and folded["ok"] is True  # flags are not figures


def test_a_figure_missing_from_a_run_is_taken_over_the_runs_that_have_it() -> None:
    folded = summarize_runs([{"x": 1, "only_first": 7}, {"x": 5}])
    assert folded["only_first"] == {"min": 7.0, "median": 7.0, "max": 7.0}
    assert folded["x"]["median"] == 3.0
