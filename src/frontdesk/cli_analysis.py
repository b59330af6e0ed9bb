"""``frontdesk analyze-conversations``: store the analysis of conversations that ended
before analyses were kept (revision 0023). Pages and the API compute a missing one on
read; this stores it, so reports and exports can query it (ADR 0065)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from frontdesk.cli_tenants import _factory


def cmd_analyze(args: argparse.Namespace) -> int:
    from frontdesk.services.conversation_analysis import backfill

    since = None
    if args.since:
        since = datetime.fromisoformat(args.since)
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
    factory, done = _factory(), 0
    while True:  # in batches, each its own transaction
        batch = backfill(factory, since=since, limit=args.batch)
        done += batch
        if batch < args.batch:
            break
    print(f"analysed {done} conversation{'s' if done != 1 else ''}")
    return 0


def register(sub: Any) -> None:
    analyze = sub.add_parser(
        "analyze-conversations", help="store the analysis of conversations ended before it",
        description="Store the rules' analysis (summary, intent, success) of ended "
                    "conversations that have none: those from before this version.")
    analyze.add_argument("--since", default=None,
                         help="only those ended on or after this date or datetime (UTC "
                              "unless it says; default: all)")
    analyze.add_argument("--batch", type=int, default=500,
                         help="conversations per transaction (default: %(default)s)")
    analyze.set_defaults(func=cmd_analyze)
