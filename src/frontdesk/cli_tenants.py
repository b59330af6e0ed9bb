"""``frontdesk tenant ...`` and ``frontdesk api-key ...``: businesses and their API keys.

Keys are shown once, when created; listings show a key's id, its first characters and
its name, never the key (only its hash is stored).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from frontdesk.config import get_settings


def _factory() -> sessionmaker[Session]:
    """A session factory on the configured database, its schema brought up to date."""
    from frontdesk.store import migrate
    from frontdesk.store.db import make_engine, make_session_factory

    engine = make_engine(get_settings().resolved_database_url())
    migrate.upgrade(engine)
    return make_session_factory(engine)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment is not None else "-"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    for line in (header, *rows):
        print("  ".join(str(cell).ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def cmd_tenant_create(args: argparse.Namespace) -> int:
    from frontdesk.services.tenants import TenantFields, create_api_key, create_tenant
    from frontdesk.store.db import write_session

    fields = TenantFields(
        name=args.name,
        timezone=args.timezone,
        country=args.country,
        languages=args.languages.split(","),
        phone_numbers=args.phone or None,
    )
    with write_session(_factory()) as session:
        tenant = create_tenant(session, args.slug, fields)
        _, key = create_api_key(session, tenant, "default")
    print(f"created business {tenant.slug} ({tenant.id})")
    print(f"API key (shown once): {key}")
    return 0


def cmd_tenant_list(_: argparse.Namespace) -> int:
    from frontdesk.services.tenant_admin import list_tenants

    with _factory()() as session:
        tenants = list_tenants(session)
    if not tenants:
        print("no businesses yet; create one with `frontdesk tenant create`")
        return 0
    _table(
        ("SLUG", "NAME", "TIMEZONE", "KEYS", "CREATED"),
        [(t.slug, t.name, t.timezone, str(t.active_keys), _when(t.created_at)) for t in tenants],
    )
    return 0


def cmd_api_key_create(args: argparse.Namespace) -> int:
    from frontdesk.services.tenants import create_api_key, get_tenant_by_slug
    from frontdesk.store.db import write_session

    with write_session(_factory()) as session:
        tenant = get_tenant_by_slug(session, args.tenant)
        _, key = create_api_key(session, tenant, args.name, scope=args.scope,
                                allowed_origins=args.origin or None, settings=get_settings())
    print(key)
    return 0


def cmd_api_key_list(args: argparse.Namespace) -> int:
    from frontdesk.services.tenant_admin import list_api_keys
    from frontdesk.services.tenants import get_tenant_by_slug

    with _factory()() as session:
        keys = list_api_keys(session, get_tenant_by_slug(session, args.tenant))
    if not keys:
        print(f"{args.tenant} has no API keys; create one with `frontdesk api-key create`")
        return 0
    # Last use is not recorded (a write on every request), so it is not shown.
    _table(
        ("ID", "PREFIX", "NAME", "SCOPE", "ORIGINS", "CREATED", "REVOKED"),
        [(str(k.id), k.prefix, k.name, k.scope, ",".join(k.allowed_origins or []) or "-",
          _when(k.created_at), _when(k.revoked_at)) for k in keys],
    )
    return 0


def cmd_api_key_revoke(args: argparse.Namespace) -> int:
    from frontdesk.services.tenant_admin import revoke_key
    from frontdesk.services.tenants import get_tenant_by_slug
    from frontdesk.store.db import write_session

    with write_session(_factory()) as session:
        key, revoked = revoke_key(session, get_tenant_by_slug(session, args.tenant), args.key)
    what = f"API key {key.name!r} ({key.id})"
    if revoked:
        print(f"revoked {what}: requests with it now get 401")
    else:
        print(f"{what} was already revoked on {_when(key.revoked_at)}")
    return 0


def register(sub: Any) -> None:
    """Add ``tenant`` and ``api-key`` to the ``frontdesk`` command."""
    tenant = sub.add_parser(
        "tenant", help="businesses: create, list", description="Manage businesses."
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    create = tenant.add_parser(
        "create", help="create a business and its first API key",
        description="Create a business and its first API key (printed once).",
    )
    create.add_argument("--slug", required=True, help="short id, e.g. bella-salon")
    create.add_argument("--name", required=True, help="the business's name, e.g. 'Bella Salon'")
    create.add_argument("--timezone", required=True, help="IANA zone, e.g. America/New_York")
    create.add_argument("--country", default="US", help="region for local phone numbers")
    create.add_argument("--languages", default="en", help="comma-separated: en,es")
    create.add_argument("--phone", action="append", help="a number it answers (repeatable)")
    create.set_defaults(func=cmd_tenant_create)
    listing = tenant.add_parser(
        "list", help="list the businesses", description="List the businesses, by slug."
    )
    listing.set_defaults(func=cmd_tenant_list)

    keys = sub.add_parser(
        "api-key", help="API keys: create, list, revoke", description="Manage API keys."
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    key_create = keys.add_parser(
        "create", help="create an API key; prints it once",
        description="Create an API key for a business; it is printed once, never again.",
    )
    key_create.add_argument("--tenant", required=True, help="the business's slug")
    key_create.add_argument("--name", default="default", help="a label for the key")
    key_create.add_argument(
        "--scope", choices=("admin", "read", "widget"), default="admin",
        help="admin: everything (default); read: GET only; widget: publishable, chat only",
    )
    key_create.add_argument(
        "--origin", action="append",
        help="a site a widget key works on, e.g. https://www.example.com (repeatable)",
    )
    key_create.set_defaults(func=cmd_api_key_create)
    key_list = keys.add_parser(
        "list", help="list a business's API keys (never the keys themselves)",
        description="List a business's API keys: id, first characters, name, when created "
        "and revoked. The keys themselves are not stored, so they cannot be shown.",
    )
    key_list.add_argument("--tenant", required=True, help="the business's slug")
    key_list.set_defaults(func=cmd_api_key_list)
    revoke = keys.add_parser(
        "revoke", help="revoke an API key: requests with it get 401",
        description="Revoke one of a business's API keys; requests with it get 401 from now on.",
    )
    revoke.add_argument("--tenant", required=True, help="the business's slug")
    revoke.add_argument(
        "key", help="the key's id, its prefix or its name (as `api-key list` shows them)"
    )
    revoke.set_defaults(func=cmd_api_key_revoke)
