"""``frontdesk campaign``: outbound campaigns from the terminal (for now: the try-out)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def cmd_demo(args: argparse.Namespace) -> int:
    from frontdesk.campaign_demo.run import Options, run_demo
    from frontdesk.config import get_settings

    options = Options(seed=args.seed, leads=args.leads, port=args.port,
                      timeout_s=args.timeout_s, transcripts=args.transcripts)
    return run_demo(get_settings(), options, sys.stdout)


def register(sub: Any) -> None:
    """Add ``frontdesk campaign`` to the CLI's subcommands."""
    campaign = sub.add_parser("campaign", help="outbound campaigns").add_subparsers(
        dest="campaign_command", required=True, metavar="COMMAND")
    demo = campaign.add_parser(
        "demo", help="try-out: call 20 made-up leads through a simulated carrier",
        description="Start a demo server in this process (a fresh embedded SQLite database "
        "with the demo businesses), a simulated carrier that speaks Twilio's Calls API and "
        "plays the people called, import 20 made-up leads into the demo salon through the "
        "API, start a campaign and show its progress until every lead has had a first "
        "call. No keys, no services, no real phone is dialled. 'reached' counts the calls "
        "a person picked up.",
    )
    demo.add_argument("--seed", type=int, default=12,
                      help="who the made-up leads are and how each answers")
    demo.add_argument("--leads", type=int, choices=range(1, 21), default=20, metavar="N",
                      help="how many leads, 1 to 20")
    demo.add_argument("--port", type=int, default=0,
                      help="the demo server's port (0: any free one)")
    demo.add_argument("--transcripts", action="store_true",
                      help="print every call as the simulated person heard it (default: one)")
    demo.add_argument("--timeout-s", type=float, default=120.0, help=argparse.SUPPRESS)
    demo.set_defaults(func=cmd_demo)
