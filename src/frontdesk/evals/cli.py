"""``frontdesk eval``: run the conversation scenarios and report; exit 1 below --min-pass."""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frontdesk.evals.report import ScenarioResult, render_text, summarize
from frontdesk.evals.scenario import load_scenarios
from frontdesk.evals.scenario_reader import ScenarioError

REPO_ROOT = Path(__file__).resolve().parents[3]  # src/frontdesk/evals/cli.py -> checkout
DEFAULT_MIN_PASS = 0.95


def default_scenarios_dir() -> Path:
    here = Path.cwd() / "scenarios"
    return here if here.is_dir() else REPO_ROOT / "scenarios"


def default_data_dir() -> Path:
    return REPO_ROOT.parent / "shared" / "data"


def register(sub: Any) -> None:
    """Add the ``eval`` subcommand to the ``frontdesk`` parser's subparsers."""
    p = sub.add_parser("eval", help="run the conversation scenarios against the agent",
                       description="Play the conversation scenarios (scenarios/*.yaml) against "
                       "the agent and report; exit 1 below --min-pass. See docs/EVAL.md.")
    p.add_argument("--scenarios", type=Path, default=None,
                   help="folder of scenario YAML files (default: ./scenarios)")
    p.add_argument("--only", default=None, metavar="GLOB",
                   help="only scenarios whose id or file name matches, e.g. 'es-*'")
    p.add_argument("--url", default=None, help="run against this server instead of in-process")
    p.add_argument("--key", action="append", default=[], metavar="[BUSINESS=]KEY",
                   help="API key for --url: one for all, or salon=KEY / clinic=KEY (repeatable)")
    p.add_argument("--now", default=None, metavar="ISO",
                   help="in-process clock; without an offset it is each business's local time "
                        "(default: next Monday 09:00). Must lie ahead of the real clock, "
                        "since setup books through the real-clock API")
    p.add_argument("--min-pass", type=float, default=DEFAULT_MIN_PASS,
                   help=f"exit 1 below this pass rate (default {DEFAULT_MIN_PASS})")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--nlu", action="store_true",
                   help="also score the NLU on the shared corpora (time, intents)")
    p.add_argument("--data", type=Path, default=None,
                   help="folder of the NLU corpora (default: ../shared/data from the checkout)")
    p.add_argument("--llm", action="store_true",
                   help="in-process, drive the calls with the LLM configured in the environment "
                        "(FRONTDESK_LLM_BASE_URL, FRONTDESK_LLM_MODEL, FRONTDESK_LLM_API_KEY) "
                        "instead of the rules engine")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-scenario progress lines")
    p.set_defaults(func=cmd_eval)
    from frontdesk.evals.capture_cli import register_capture
    from frontdesk.evals.compare_cli import add_compare_options

    add_compare_options(p)
    register_capture(p.add_subparsers(dest="eval_action", required=False, metavar="ACTION"))


def parse_keys(values: list[str]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for value in values:
        business, sep, key = value.partition("=")
        if sep and business in ("salon", "clinic"):
            keys[business] = key
        else:
            keys["*"] = value
    return keys


def cmd_eval(args: argparse.Namespace) -> int:
    from frontdesk.evals import runner

    if args.compare:
        from frontdesk.evals.compare_cli import cmd_compare

        return cmd_compare(args, args.scenarios or default_scenarios_dir())

    try:
        scenarios = load_scenarios(args.scenarios or default_scenarios_dir(), args.only)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not scenarios:
        print("error: no scenarios matched", file=sys.stderr)
        return 2
    if args.url and not args.key:
        print("error: --url needs --key (the business's API key)", file=sys.stderr)
        return 2

    def progress(result: ScenarioResult) -> None:
        if args.quiet or args.json:
            return
        mark = "skip" if result.skipped else ("ok  " if result.passed else "FAIL")
        print(f"{mark} {result.id}", file=sys.stderr, flush=True)

    target: Any
    if args.url:
        target = runner.Server(args.url, parse_keys(args.key))
        results = runner.run_all(target, scenarios, progress)
    else:
        try:
            now = runner.parse_now(args.now) if args.now else None
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if now is not None and (now if now.tzinfo else now.replace(tzinfo=UTC)) < datetime.now(UTC):
            print("warning: --now is in the past; setup books through the real-clock API, "
                  "which refuses past times, so scenarios with setup will fail",
                  file=sys.stderr)
        brain = None
        if args.llm:
            from frontdesk.config import Settings
            from frontdesk.conversation.llm import brain_from_settings

            brain = brain_from_settings(Settings())
            if brain is None:
                print("error: --llm needs FRONTDESK_LLM_BASE_URL (an OpenAI-compatible "
                      "server) and FRONTDESK_LLM_MODEL", file=sys.stderr)
                return 2
        with runner.in_process(now, brain) as target:
            results = runner.run_all(target, scenarios, progress)
    nlu = nlu_figures(args.data or default_data_dir()) if args.nlu else None
    summary = summarize(results, mode=target.mode, min_pass=args.min_pass, nlu=nlu)
    if args.json:
        json.dump(summary, sys.stdout, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
    else:
        print(render_text(summary, results))
    return 0 if summary["ok"] else 1


# --- NLU corpora -------------------------------------------------------------------------


def _call_with_dir(fn: Callable[..., Any], data_dir: Path) -> Any:
    params = list(inspect.signature(fn).parameters.values())
    if params and params[0].kind in (inspect.Parameter.POSITIONAL_ONLY,
                                     inspect.Parameter.POSITIONAL_OR_KEYWORD):
        return fn(data_dir)
    return fn()


def _compact(value: Any, depth: int = 0) -> Any:
    """The figures without the long lists of individual failures."""
    if isinstance(value, dict):
        return {k: _compact(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list) and len(value) > 10:
        return f"{len(value)} items (see the module's own report)"
    return value


def nlu_figures(data_dir: Path) -> dict[str, Any]:
    """Scores of the NLU on the shared corpora; each is optional (modules may be missing)."""
    out: dict[str, Any] = {}
    try:
        from frontdesk.nlu import timeeval  # type: ignore[attr-defined, unused-ignore]

        out["time"] = _compact(_call_with_dir(timeeval.evaluate_corpora, data_dir))
    except Exception as exc:  # noqa: BLE001 - report what is missing, keep the eval
        out["time"] = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        from frontdesk.nlu import intenteval

        out["intents_sgd"] = _compact(intenteval.evaluate_sgd(data_dir / intenteval.SGD_FILE))
    except Exception as exc:  # noqa: BLE001
        out["intents_sgd"] = {"error": f"{type(exc).__name__}: {exc}"}
    return out
