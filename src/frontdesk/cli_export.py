"""``frontdesk export conversations``: redacted conversations as fine-tuning data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from frontdesk.evals.export import FORMATS


def cmd_export_conversations(args: argparse.Namespace) -> int:
    from frontdesk.evals import export, export_source

    if bool(args.url) != bool(args.key):
        print("error: --url and --key go together (a running server and its API key)",
              file=sys.stderr)
        return 2
    if args.url and args.tenant:
        print("error: --tenant is for the database; with --url the key names the business",
              file=sys.stderr)
        return 2
    wanted = export_source.Wanted(
        tenant=args.tenant, language=args.language, channel=args.channel,
        outcomes=tuple(o.strip() for o in (args.outcome or "").split(",") if o.strip()),
        since=args.since, until=args.until, feedback=args.feedback)
    if args.url:
        records = export_source.from_server(args.url, args.key, wanted)
    else:
        from frontdesk.cli_tenants import _factory

        records = export_source.from_database(_factory(), wanted)
    try:
        if args.format == "hf":
            count = export.write_hf(records, args.output)
        else:
            count = export.write_chat_jsonl(records, args.output, metadata=args.metadata)
    except export.ExportUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{count} conversations written to {args.output} ({args.format}, redacted)",
          file=sys.stderr)
    return 0


def register(sub: Any) -> None:
    export = sub.add_parser(
        "export", help="export data: conversations as fine-tuning data",
        description="Export redacted data for learning from real calls (README, "
                    "'Learning from real calls').",
    ).add_subparsers(dest="what", required=True, metavar="WHAT")
    p = export.add_parser(
        "conversations", help="conversations with their tool calls, redacted",
        description="Conversations with every turn and tool call, personal data replaced by "
                    "placeholders (<NAME_1>, <PHONE_1>, <EMAIL_1>, <DOB_1>), from the "
                    "configured database or a running server (--url, --key).")
    p.add_argument("--format", choices=FORMATS, required=True,
                   help="chat-jsonl: OpenAI chat fine-tuning lines; hf: a Hugging Face "
                        "dataset folder (needs pip install 'frontdesk[export]')")
    p.add_argument("--output", type=Path, required=True,
                   help="the .jsonl file, or the dataset folder for hf")
    p.add_argument("--tenant", default=None, metavar="SLUG",
                   help="only this business (database only; default: every business)")
    p.add_argument("--outcome", default=None, metavar="LIST",
                   help="only these outcomes, comma-separated: booked,rescheduled,...")
    p.add_argument("--language", choices=("en", "es"), default=None)
    p.add_argument("--channel", default=None, help="chat, phone, sms, voice, ...")
    p.add_argument("--since", default=None, metavar="DATE",
                   help="started on or after (date or ISO datetime, the business's time)")
    p.add_argument("--until", default=None, metavar="DATE",
                   help="started before; a date includes that day")
    p.add_argument("--feedback", choices=("good", "bad"), default=None,
                   help="bad: rated bad by someone; good: rated good and by nobody bad")
    p.add_argument("--metadata", action="store_true",
                   help="chat-jsonl: add a 'metadata' object per line (id, outcome, ...); "
                        "not part of OpenAI's format")
    p.add_argument("--url", default=None, help="read from this running server instead")
    p.add_argument("--key", default=None, help="its API key (a read-scope key will do)")
    p.set_defaults(func=cmd_export_conversations)
