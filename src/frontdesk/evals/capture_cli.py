"""``frontdesk eval capture CONVERSATION_ID``: a stored conversation as a scenario file."""

from __future__ import annotations

import argparse
import json
import re
import sys
import uuid
from pathlib import Path
from typing import Any


def cmd_capture(args: argparse.Namespace) -> int:
    from frontdesk.errors import NotFound
    from frontdesk.evals import export_source
    from frontdesk.evals.capture import scenario_from_record
    from frontdesk.evals.client import ApiError
    from frontdesk.evals.scenario_reader import ScenarioError

    if bool(args.capture_url) != bool(args.capture_key):
        print("error: --url and --key go together", file=sys.stderr)
        return 2
    try:
        conversation_id = uuid.UUID(args.conversation_id)
    except ValueError:
        print(f"error: {args.conversation_id!r} is not a conversation id", file=sys.stderr)
        return 2
    try:
        if args.capture_url:
            record = export_source.one_from_server(args.capture_url, args.capture_key,
                                                   conversation_id)
        else:
            from frontdesk.cli_tenants import _factory

            record = export_source.one_from_database(_factory(), conversation_id)
    except (NotFound, ApiError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    default = Path("scenarios/captured") / f"captured-{conversation_id.hex[:8]}.yaml"
    output: Path = args.output or default
    scenario_id = re.sub(r"[^a-z0-9._-]", "-", output.stem.lower()).strip("-.") or "captured"
    try:
        scenario = scenario_from_record(record, scenario_id)
    except ScenarioError as exc:
        print(f"error: this conversation does not make a runnable scenario: {exc}",
              file=sys.stderr)
        return 2
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix == ".json":
        output.write_text(json.dumps(scenario, indent=2, ensure_ascii=False) + "\n",
                          encoding="utf-8")
    else:
        import yaml  # type: ignore[import-untyped, unused-ignore]

        output.write_text(yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True),
                          encoding="utf-8")
    print(f"scenario {scenario_id} written to {output} (expects: "
          f"{scenario['expect']['outcome']})", file=sys.stderr)
    return 0


def register_capture(sub: Any) -> None:
    p = sub.add_parser(
        "capture", help="turn a stored conversation into a scenario",
        description="Write a stored conversation as a scenario file, redacted (fake names "
                    "and numbers), its dates relative, its expectation from its outcome.")
    p.add_argument("conversation_id", help="the conversation's id (dashboard, API)")
    p.add_argument("--output", type=Path, default=None,
                   help="scenario file, .yaml (default: scenarios/captured/captured-ID.yaml) "
                        "or .json")
    p.add_argument("--url", dest="capture_url", default=None,
                   help="read it from this running server instead of the database")
    p.add_argument("--key", dest="capture_key", default=None, help="its API key (read scope)")
    p.set_defaults(func=cmd_capture)
