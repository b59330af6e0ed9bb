"""``frontdesk dnc ...``: the server-wide do-not-call list (every business on this server).

A business's own opt-outs ("stop calling me", STOP) are kept on its customers and need
nothing here.
"""

from __future__ import annotations

import argparse
from typing import Any

from frontdesk.cli_tenants import _factory, _table, _when


def cmd_dnc_add(args: argparse.Namespace) -> int:
    from frontdesk.services import do_not_call
    from frontdesk.store.db import write_session

    with write_session(_factory()) as session:
        for raw in args.numbers:
            e164, new = do_not_call.add(session, raw, args.reason, region=args.country)
            print(f"{e164}: {'added' if new else 'already on the list'}")
    return 0


def cmd_dnc_remove(args: argparse.Namespace) -> int:
    from frontdesk.services import do_not_call
    from frontdesk.store.db import write_session

    status = 0
    with write_session(_factory()) as session:
        for raw in args.numbers:
            e164, gone = do_not_call.remove(session, raw, region=args.country)
            print(f"{e164}: {'removed' if gone else 'was not on the list'}")
            status = status or (0 if gone else 1)
    return status


def cmd_dnc_list(_: argparse.Namespace) -> int:
    from frontdesk.services import do_not_call

    with _factory()() as session:
        rows = [(e.phone_e164, _when(e.created_at), e.reason or "-")
                for e in do_not_call.entries(session)]
    _table(("NUMBER", "ADDED", "REASON"), rows)
    return 0


def register(sub: Any) -> None:
    dnc = sub.add_parser(
        "dnc", help="the server-wide do-not-call list: add, remove, list",
        description="Numbers no business on this server may call or text.",
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    add = dnc.add_parser("add", help="put numbers on the list",
                         description="Put numbers on the server-wide do-not-call list.")
    add.add_argument("numbers", nargs="+", help="phone numbers, any format")
    add.add_argument("--reason", default=None, help="why, e.g. 'national registry 2026-12'")
    add.add_argument("--country", default="US", help="region for numbers without a +code")
    add.set_defaults(func=cmd_dnc_add)
    remove = dnc.add_parser("remove", help="take numbers off the list",
                            description="Take numbers off the server-wide do-not-call list.")
    remove.add_argument("numbers", nargs="+", help="phone numbers, any format")
    remove.add_argument("--country", default="US", help="region for numbers without a +code")
    remove.set_defaults(func=cmd_dnc_remove)
    dnc.add_parser("list", help="show the list",
                   description="Show the server-wide do-not-call list.").set_defaults(
        func=cmd_dnc_list)
