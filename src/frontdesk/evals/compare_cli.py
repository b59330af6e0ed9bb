"""``frontdesk eval --compare A B``: the same scenarios through two brains, side by side.

A brain is ``rules`` (no LLM), ``llm`` (the LLM configured by FRONTDESK_LLM_*), or
``llm:MODEL`` / ``llm:MODEL@BASE_URL`` (that model, on that OpenAI-compatible server;
the key and timeouts from the settings).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


class BrainSpecError(ValueError):
    """A brain named on the command line that cannot be built."""


def add_compare_options(p: Any) -> None:
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), default=None,
                   help="run the scenarios in-process with two brains and print them side "
                        "by side: rules | llm | llm:MODEL | llm:MODEL@BASE_URL")


def brain_for(spec: str) -> Any:
    """None for the rules; else the LLM driver the spec names."""
    if spec == "rules":
        return None
    kind, _, rest = spec.partition(":")
    if kind != "llm":
        raise BrainSpecError(f"{spec!r} is not a brain: rules, llm, llm:MODEL or "
                             "llm:MODEL@BASE_URL")
    from frontdesk.config import Settings
    from frontdesk.conversation.llm import brain_from_settings

    settings = Settings()
    model, _, url = rest.partition("@")
    update = {k: v for k, v in (("llm_model", model), ("llm_base_url", url)) if v}
    brain = brain_from_settings(settings.model_copy(update=update))
    if brain is None:
        raise BrainSpecError(f"{spec!r} needs a server: FRONTDESK_LLM_BASE_URL, or "
                             "llm:MODEL@BASE_URL")
    return brain


def fallbacks_by_scenario(factory: Any) -> dict[str, int]:
    """Agent turns the rules answered although an LLM was configured, per scenario."""
    from sqlalchemy import func, select

    from frontdesk.store.models import Conversation, ConversationTurn

    rows = select(Conversation.external_id, func.count()).join(
        ConversationTurn, ConversationTurn.conversation_id == Conversation.id).where(
        ConversationTurn.fallback_reason.is_not(None)).group_by(Conversation.external_id)
    with factory() as session:
        return {str(ext).removeprefix("eval:"): int(n) for ext, n in session.execute(rows)}


def cmd_compare(args: argparse.Namespace, scenarios_dir: Path) -> int:
    from frontdesk.evals import runner
    from frontdesk.evals.compare import comparison, render, side
    from frontdesk.evals.scenario import load_scenarios
    from frontdesk.evals.scenario_reader import ScenarioError

    if args.url:
        print("error: --compare runs in-process (each brain on its own database); "
              "drop --url", file=sys.stderr)
        return 2
    try:
        scenarios = load_scenarios(scenarios_dir, args.only)
        a, b = args.compare
        brains = [(a, brain_for(a)), (b if b != a else f"{b}#2", brain_for(b))]
        now = runner.parse_now(args.now) if args.now else None
    except (ScenarioError, BrainSpecError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not scenarios:
        print("error: no scenarios matched", file=sys.stderr)
        return 2
    sides = []
    for spec, brain in brains:
        def progress(r: Any, spec: str = spec) -> None:
            if not (args.quiet or args.json):
                print(f"{spec}: {'ok  ' if r.passed else 'FAIL'} {r.id}", file=sys.stderr)

        with runner.in_process(now, brain) as target:
            results = runner.run_all(target, scenarios, progress)
            sides.append((spec, side(results, fallbacks_by_scenario(target.factory))))
    doc = comparison(sides[0], sides[1])
    if args.json:
        json.dump(doc, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        print(render(doc))
    return 0
