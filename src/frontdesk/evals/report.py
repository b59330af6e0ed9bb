"""Results of a run: task success, turns per success, turn latency, failures with transcript."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from frontdesk.evals import textrules
from frontdesk.evals.scenario import Scenario


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    speaker: str  # "caller" | "agent"
    text: str
    awaiting: str | None  # after an agent line: what it awaited (state, or read from text)
    latency_ms: float | None


@dataclass
class ScenarioResult:
    id: str
    lang: str
    tenant: str
    description: str
    path: str
    mode: str
    expected_outcome: str
    passed: bool = True
    reasons: list[str] = field(default_factory=list)
    outcome: str | None = None
    caller_turns: int = 0
    transcript: list[TranscriptLine] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    anchor: str | None = None  # the date of "day +0"
    error: str | None = None
    skipped: str | None = None
    # Where the agent's state was visible: did the text rules read ``awaiting`` right?
    inference_checked: int = 0
    inference_wrong: list[str] = field(default_factory=list)
    _last_awaiting: str | None = None

    @classmethod
    def start(cls, scenario: Scenario, mode: str) -> ScenarioResult:
        return cls(id=scenario.id, lang=scenario.lang, tenant=scenario.tenant,
                   description=scenario.description, path=scenario.path, mode=mode,
                   expected_outcome=scenario.expect.outcome)

    def fail(self, reason: str) -> None:
        self.passed = False
        self.reasons.append(reason)

    def note_inference(self, awaiting: str | None, text: str, *, end: bool = False) -> None:
        """Compare the agent's real ``awaiting`` with what the words say (server mode's view)."""
        previous, self._last_awaiting = self._last_awaiting, awaiting
        if end or textrules.ends_call(text):
            return
        inferred = textrules.infer_awaiting(text)
        if inferred == textrules.REPEAT:
            inferred = previous
        self.inference_checked += 1
        if inferred != awaiting:
            self.inference_wrong.append(f"{text!r}: state {awaiting!r}, text says {inferred!r}")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("_last_awaiting", None)
        data["latencies_ms"] = [round(x, 2) for x in self.latencies_ms]
        for line in data["transcript"]:
            if line["latency_ms"] is not None:
                line["latency_ms"] = round(line["latency_ms"], 2)
        return data


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _rate(passed: int, total: int) -> float:
    return round(passed / total, 4) if total else 0.0


def summarize(results: list[ScenarioResult], *, mode: str, min_pass: float,
              nlu: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one JSON document of a run."""
    ran = [r for r in results if r.skipped is None]
    passed = [r for r in ran if r.passed]
    latencies = [x for r in ran for x in r.latencies_ms]
    groups: dict[str, dict[str, Any]] = {}
    for key, attr in (("by_lang", "lang"), ("by_tenant", "tenant"),
                      ("by_expected_outcome", "expected_outcome")):
        totals: Counter[str] = Counter(str(getattr(r, attr)) for r in ran)
        wins: Counter[str] = Counter(str(getattr(r, attr)) for r in passed)
        groups[key] = {k: {"scenarios": n, "passed": wins[k], "pass_rate": _rate(wins[k], n)}
                       for k, n in sorted(totals.items())}
    checked = sum(r.inference_checked for r in ran)
    wrong = sum(len(r.inference_wrong) for r in ran)
    rate = _rate(len(passed), len(ran))
    return {
        "mode": mode,
        "scenarios": len(ran),
        "skipped": len(results) - len(ran),
        "passed": len(passed),
        "failed": len(ran) - len(passed),
        "pass_rate": rate,
        "min_pass": min_pass,
        "ok": bool(ran) and rate >= min_pass,
        "turns_per_success": (round(sum(r.caller_turns for r in passed) / len(passed), 2)
                              if passed else None),
        "turn_latency_ms": {
            "turns": len(latencies),
            "p50": _round(percentile(latencies, 50)),
            "p99": _round(percentile(latencies, 99)),
            "max": _round(max(latencies) if latencies else None),
        },
        "text_inference": {"checked": checked, "agreed": checked - wrong,
                           "agreement": _rate(checked - wrong, checked)},
        **groups,
        "failures": [r.to_json() for r in ran if not r.passed],
        "results": [{"id": r.id, "passed": r.passed, "skipped": r.skipped,
                     "outcome": r.outcome, "caller_turns": r.caller_turns,
                     "reasons": r.reasons} for r in results],
        "nlu": nlu,
    }


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None


def render_transcript(result: ScenarioResult) -> list[str]:
    lines = []
    for line in result.transcript:
        if line.speaker == "caller":
            lines.append(f"      caller: {line.text}")
        else:
            awaits = f"   [awaits {line.awaiting}]" if line.awaiting else ""
            lines.append(f"      agent:  {line.text}{awaits}")
    return lines


def render_text(summary: dict[str, Any], results: list[ScenarioResult], *,
                transcripts: bool = True) -> str:
    """A readable summary: the figures, each failure with why and its transcript."""
    out = [f"frontdesk eval ({summary['mode']}): {summary['passed']}/{summary['scenarios']} "
           f"scenarios passed, pass rate {summary['pass_rate']:.1%} "
           f"(needs {summary['min_pass']:.0%})"
           + (f", {summary['skipped']} skipped" if summary["skipped"] else "")]
    lat = summary["turn_latency_ms"]
    if lat["turns"]:
        out.append(f"  turns per success {summary['turns_per_success']}, turn latency "
                   f"p50 {lat['p50']} ms, p99 {lat['p99']} ms over {lat['turns']} turns")
    for key, title in (("by_lang", "language"), ("by_tenant", "business"),
                       ("by_expected_outcome", "expected outcome")):
        parts = [f"{k} {v['passed']}/{v['scenarios']}" for k, v in summary[key].items()]
        out.append(f"  by {title}: " + ", ".join(parts))
    inference = summary["text_inference"]
    if inference["checked"]:
        out.append(f"  text inference of 'awaiting' (server mode's view) agreed with the agent's "
                   f"state on {inference['agreed']}/{inference['checked']} replies")
    nlu = summary.get("nlu")
    if nlu:
        out.extend(_render_nlu(nlu))
    failed = [r for r in results if r.skipped is None and not r.passed]
    if failed:
        out.append("")
        out.append(f"failures ({len(failed)}):")
    for r in failed:
        out.append(f"  FAIL {r.id} [{r.lang}, {r.tenant}] {r.description}".rstrip())
        for reason in r.reasons:
            out.append(f"    - {reason}")
        for note in r.notes:
            out.append(f"    - note: {note}")
        if transcripts:
            out.extend(render_transcript(r))
    return "\n".join(out)


# "accuracy" is strict (value, grain and interval ends); "value_accuracy" compares only the
# resolved time down to the expected grain — the fair measure for dateparser, which has
# no grains or intervals.
_HEADLINE = (
    "accuracy",
    "value_accuracy",
    "top1_accuracy",
    "top2_accuracy",
    "all_acts_accuracy",
)


def _accuracies(value: Any, path: str = "") -> list[str]:
    """'duckling_en frontdesk accuracy 0.7638' lines from nested NLU figures."""
    if not isinstance(value, dict):
        return []
    out = []
    for key, item in value.items():
        if key.startswith("by_"):  # per-act breakdowns: the module's own report has them
            continue
        here = path if key == "parsers" else f"{path} {key}".strip()
        if isinstance(item, dict):
            out.extend(_accuracies(item, here))
        elif key in _HEADLINE and isinstance(item, int | float):
            out.append(f"{here} {item:.1%}")
    return out


def _render_nlu(nlu: dict[str, Any]) -> list[str]:
    out = ["  NLU corpora:"]
    for name, figures in nlu.items():
        if isinstance(figures, dict) and "error" in figures:
            out.append(f"    {name}: not available ({figures['error']})")
            continue
        lines = _accuracies(figures)
        out.append(f"    {name}:")
        out.extend(f"      {line}" for line in lines or ["no figures"])
    return out
