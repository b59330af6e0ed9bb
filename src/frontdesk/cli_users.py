"""``frontdesk user create``: a person who signs in to the dashboard (the first owner).

The password is read from ``--password-stdin`` or a prompt, never from an argument
(arguments show in ``ps`` and shell history); without either, a strong one is generated
and printed once.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from typing import Any

from frontdesk.cli_tenants import _factory


def cmd_user_create(args: argparse.Namespace) -> int:
    from frontdesk.services.tenants import get_tenant_by_slug
    from frontdesk.services.users import UserFields, create_user
    from frontdesk.store.db import write_session
    from frontdesk.store.models import UserRole

    generated = False
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("password (10+ characters): ")
    else:
        password, generated = secrets.token_urlsafe(15), True
    with write_session(_factory()) as session:
        tenant = get_tenant_by_slug(session, args.tenant)  # NotFound: a clear error
        user = create_user(session, tenant, UserFields(
            email=args.email, password=password, role=UserRole(args.role), name=args.name))
        print(f"created {user.role} {user.email} for {tenant.name}")
    if generated:
        print(f"password (shown once): {password}")
    return 0


def register(sub: Any) -> None:
    user = sub.add_parser(
        "user", help="dashboard users: create", description="Manage dashboard users."
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    create = user.add_parser("create", help="create a person who signs in to the dashboard",
                             description=__doc__)
    create.add_argument("--tenant", required=True, help="the business's slug")
    create.add_argument("--email", required=True)
    create.add_argument("--name")
    create.add_argument("--role", choices=["owner", "admin", "staff"], default="owner")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")
    create.set_defaults(func=cmd_user_create)
