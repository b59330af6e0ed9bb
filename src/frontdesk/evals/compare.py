"""Two brains side by side on the same scenarios: task success, caller turns, turn
latency (p50/p95) and LLM fallbacks, per scenario and in total (``eval --compare``)."""

from __future__ import annotations

from typing import Any

from frontdesk.evals.report import ScenarioResult, percentile


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def side(results: list[ScenarioResult], fallbacks: dict[str, int]) -> dict[str, Any]:
    """One brain's figures: per scenario, and the totals."""
    ran = [r for r in results if r.skipped is None]
    latencies = [x for r in ran for x in r.latencies_ms]
    per = {r.id: {"passed": r.passed, "skipped": r.skipped is not None,
                  "turns": r.caller_turns,
                  "p50_ms": _round(percentile(r.latencies_ms, 50)),
                  "p95_ms": _round(percentile(r.latencies_ms, 95)),
                  "fallbacks": fallbacks.get(r.id, 0), "reasons": r.reasons}
           for r in results}
    passed = sum(1 for r in ran if r.passed)
    return {"scenarios": per, "total": {
        "scenarios": len(ran), "passed": passed,
        "pass_rate": round(passed / len(ran), 4) if ran else 0.0,
        "turns": sum(r.caller_turns for r in ran),
        "p50_ms": _round(percentile(latencies, 50)), "p95_ms": _round(percentile(latencies, 95)),
        "fallbacks": sum(fallbacks.get(r.id, 0) for r in ran)}}


def comparison(a: tuple[str, dict[str, Any]], b: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    """The one JSON document of ``--compare --json``."""
    ids = list(dict.fromkeys([*a[1]["scenarios"], *b[1]["scenarios"]]))
    differ = [i for i in ids if a[1]["scenarios"].get(i, {}).get("passed")
              != b[1]["scenarios"].get(i, {}).get("passed")]
    return {"brains": [a[0], b[0]], a[0]: a[1], b[0]: b[1], "differ": differ}


def _cell(row: dict[str, Any] | None) -> list[str]:
    if row is None:
        return ["-"] * 5
    if row.get("skipped"):
        return ["skip", "-", "-", "-", "-"]
    return ["ok" if row["passed"] else "FAIL", str(row["turns"]), _ms(row["p50_ms"]),
            _ms(row["p95_ms"]), str(row["fallbacks"])]


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def render(doc: dict[str, Any]) -> str:
    """The side-by-side table: a column group per brain."""
    a, b = doc["brains"]
    head = ["scenario"] + [f"{name} {what}" for name in (a, b)
                           for what in ("result", "turns", "p50 ms", "p95 ms", "fallbacks")]
    rows = []
    for scenario in dict.fromkeys([*doc[a]["scenarios"], *doc[b]["scenarios"]]):
        rows.append([scenario] + _cell(doc[a]["scenarios"].get(scenario))
                    + _cell(doc[b]["scenarios"].get(scenario)))
    totals = ["TOTAL"]
    for name in (a, b):
        t = doc[name]["total"]
        totals += [f"{t['passed']}/{t['scenarios']} ({t['pass_rate']:.0%})", str(t["turns"]),
                   _ms(t["p50_ms"]), _ms(t["p95_ms"]), str(t["fallbacks"])]
    rows.append(totals)
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in [head, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if doc["differ"]:
        lines.append(f"\nresults differ on: {', '.join(doc['differ'])}")
    return "\n".join(lines)
