"""Run one benchmark several times and report every figure as min / median / max.

    python -m benchmarks.repeat [--runs 3] [--output FILE] MODULE [ARGS...]
    python -m benchmarks.repeat --runs 3 benchmarks.outbox_drain --quick

Each run is a fresh process (``python -m MODULE ARGS``) whose stdout must be one JSON
document, as every benchmark here prints. The report keeps the first run's document
shape, with each number replaced by ``{"min", "median", "max"}`` over the runs (figures
absent from some run are reported over the runs that have them), and records the
machine's 1-minute load average before and after each run, because on a shared machine
the load is part of the figure. Nothing is judged here: compare figures within a run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from time import perf_counter
from typing import Any

from benchmarks.common import REPO_ROOT, log, machine_info


def _numbers(doc: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], float]:
    found: dict[tuple[str, ...], float] = {}
    if isinstance(doc, bool):
        return found
    if isinstance(doc, int | float):
        found[path] = float(doc)
    elif isinstance(doc, dict):
        for key, value in doc.items():
            found.update(_numbers(value, (*path, str(key))))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found.update(_numbers(value, (*path, str(index))))
    return found


def _spread(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def _fold(doc: Any, path: tuple[str, ...], figures: dict[tuple[str, ...], list[float]]) -> Any:
    """The first run's document with each number replaced by its spread over the runs."""
    if isinstance(doc, bool):
        return doc
    if isinstance(doc, int | float):
        return _spread(figures[path]) if figures.get(path) else doc
    if isinstance(doc, dict):
        return {k: _fold(v, (*path, str(k)), figures) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_fold(v, (*path, str(i)), figures) for i, v in enumerate(doc)]
    return doc


def summarize_runs(documents: list[Any]) -> Any:
    figures: dict[tuple[str, ...], list[float]] = {}
    for doc in documents:
        for path, value in _numbers(doc).items():
            figures.setdefault(path, []).append(value)
    return _fold(documents[0], (), figures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", help="also write the JSON document to this file")
    parser.add_argument("module", help="the benchmark module, e.g. benchmarks.outbox_drain")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="passed to every run")
    args = parser.parse_args(argv)
    runs: list[dict[str, Any]] = []
    documents: list[Any] = []
    for number in range(1, args.runs + 1):
        log(f"{args.module} run {number}/{args.runs}")
        load_before = os.getloadavg()[0]
        started = perf_counter()
        done = subprocess.run([sys.executable, "-m", args.module, *args.args], cwd=REPO_ROOT,
                              stdout=subprocess.PIPE, text=True, check=False)
        runs.append({"seconds": round(perf_counter() - started, 1),
                     "load_1min_before": load_before, "load_1min_after": os.getloadavg()[0],
                     "exit_status": done.returncode})
        if done.returncode != 0:
            log(f"run {number} failed with exit status {done.returncode}")
            continue
        documents.append(json.loads(done.stdout))
    report: dict[str, Any] = {"module": args.module, "args": args.args, "runs": runs,
                              "machine": machine_info()}
    if documents:
        report["figures"] = summarize_runs(documents)
    text = json.dumps(report, indent=2, default=str)
    print(text)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as sink:
            sink.write(text + "\n")
    return 0 if len(documents) == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
