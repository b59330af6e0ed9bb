"""``frontdesk parse-time``: the time parser from the command line.

frontdesk parse-time "tomorrow at 3pm" --now 2026-03-07T10:00 --tz America/New_York
frontdesk parse-time --jsonl turns.jsonl      # lines {"id","text","now","lang"}
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, tzinfo
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from frontdesk.nlu.timeparse import parse_time


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``parse-time`` to the ``frontdesk`` command."""
    cmd = subparsers.add_parser(
        "parse-time",
        help="find and resolve the dates and times in a text (English or Spanish)",
        description="Prints the time mentions of TEXT as a JSON list, or with --jsonl one "
        'line {"id", "mentions"} per input line {"id", "text", "now", "lang"}.',
    )
    cmd.add_argument("text", nargs="?", help="the text to read")
    cmd.add_argument("--now", help="ISO-8601 reference time (default: the current time)")
    cmd.add_argument("--tz", help="IANA zone of the results (default: UTC, or --now's offset)")
    cmd.add_argument("--lang", choices=("en", "es"), help="default: guessed from the words")
    cmd.add_argument("--jsonl", metavar="FILE", help="read one JSON object a line ('-': stdin)")
    cmd.add_argument(
        "--business-hours",
        action="store_true",
        help='read an hour without am/pm between 7:00 and 18:59 ("at 3" = 15:00)',
    )
    cmd.set_defaults(func=cmd_parse_time)


def resolve_now(now_text: str | None, tz_name: str | None) -> datetime:
    """The reference time: --now read in --tz (UTC when neither zone nor offset is given).

    A --now with an offset is converted into --tz when --tz is given; a --now without one
    is a wall time in --tz. Raises ValueError for a bad time or zone.
    """
    zone: tzinfo | None = None
    if tz_name:
        try:
            zone = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz_name!r}") from exc
    if not now_text:
        return datetime.now(zone or UTC).replace(microsecond=0)
    try:
        now = datetime.fromisoformat(now_text)
    except ValueError as exc:
        raise ValueError(f"now is not an ISO-8601 time: {now_text!r}") from exc
    if now.tzinfo is None:
        return now.replace(tzinfo=zone or UTC)
    return now.astimezone(zone) if zone is not None else now


def mentions_json(text: str, now: datetime, lang: str | None, business: bool) -> list[Any]:
    found = parse_time(text, now=now, lang=lang, business_hours=business)
    return [m.to_dict() for m in found]


def run_jsonl(lines: Iterable[str], args: argparse.Namespace) -> Iterator[dict[str, Any]]:
    """One answer per non-blank line; a line that cannot be read answers with its error."""
    for line in lines:
        if not line.strip():
            continue
        ident: Any = None
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("a line must be a JSON object")
            ident = row.get("id")
            text = row.get("text")
            if not isinstance(text, str):
                raise ValueError('"text" must be a string')
            now = resolve_now(row.get("now") or args.now, row.get("tz") or args.tz)
            lang = row.get("lang") or args.lang
            if lang not in (None, "en", "es"):
                raise ValueError(f"unsupported language {lang!r}")
            mentions = mentions_json(text, now, lang, args.business_hours)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            yield {"id": ident, "error": str(exc)}
            continue
        yield {"id": ident, "mentions": mentions}


def cmd_parse_time(args: argparse.Namespace) -> int:
    if args.jsonl:
        return _jsonl(args)
    if args.text is None:
        print("error: give TEXT or --jsonl FILE", file=sys.stderr)
        return 2
    try:
        now = resolve_now(args.now, args.tz)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(
        json.dumps(
            mentions_json(args.text, now, args.lang, args.business_hours), ensure_ascii=False
        )
    )
    return 0


def _jsonl(args: argparse.Namespace) -> int:
    source: TextIO
    if args.jsonl == "-":
        source = sys.stdin
    else:
        try:
            source = open(args.jsonl, encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            print(f"error: cannot read {args.jsonl}: {exc.strerror}", file=sys.stderr)
            return 2
    try:
        for answer in run_jsonl(source, args):
            print(json.dumps(answer, ensure_ascii=False), flush=False)
    finally:
        if source is not sys.stdin:
            source.close()
    return 0
