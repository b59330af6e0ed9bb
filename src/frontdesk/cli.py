"""The ``frontdesk`` command: serve, migrate, tenant create, api-key create."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from frontdesk.config import Settings, get_settings
from frontdesk.errors import FrontdeskError

# The Twilio auth token a `serve --demo` server checks, so `frontdesk call` works out of the box.
DEMO_TWILIO_TOKEN = "demo-twilio-token"


def _engine(settings: Settings):  # type: ignore[no-untyped-def]
    from frontdesk.store.db import make_engine

    return make_engine(settings.resolved_database_url())


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from frontdesk.api.access_log import uvicorn_log_config
    from frontdesk.api.app import create_app
    from frontdesk.cli_demo import claim_demo_database
    from frontdesk.services.demo import seed_demo
    from frontdesk.store.db import make_engine, make_session_factory

    settings = get_settings()
    port: int = args.port or settings.port
    updates: dict[str, object] = {"host": args.host or settings.host, "port": port}
    if args.demo and not settings.database_url:
        # A fresh demo database every start (the demo is for looking, not for keeping),
        # one per port, so a second demo never wipes a running one's data.
        demo_db = claim_demo_database(settings.data_dir, port)
        updates["database_url"] = f"sqlite:///{demo_db}"
    if args.demo:
        updates["outbox_console"] = True  # show the texts customers would get, in the log
        # `frontdesk call` / `frontdesk sms` sign their webhooks as Twilio would, with
        # this demo token, against this address (both only when not configured).
        if not settings.twilio_auth_token:
            updates["twilio_auth_token"] = DEMO_TWILIO_TOKEN
        if not settings.public_base_url:
            updates["public_base_url"] = f"http://{updates['host']}:{updates['port']}"
    settings = settings.model_copy(update=updates)
    engine = make_engine(settings.resolved_database_url())
    app = create_app(settings, engine=engine)
    base = f"http://{settings.host}:{settings.port}"
    if args.demo:
        for demo in seed_demo(make_session_factory(engine)):
            print(f"demo business {demo.name!r:22} API key: {demo.api_key}")
        print(f"try:  curl -H 'Authorization: Bearer fd_demo_salon_key' {base}/api/v1/services")
    print(
        f"frontdesk on {base}  (API docs: {base}/docs, database: {engine.url.render_as_string()})",
        flush=True,
    )
    # Our access log masks keys, tokens and phone numbers in URLs; uvicorn's would not.
    # WebSocket messages (Retell) are held to the same limit as request bodies; uvicorn's
    # own default would take 16 MiB.
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                access_log=False, log_config=uvicorn_log_config(settings.log_level),
                ws_max_size=settings.max_body_bytes)
    return 0


def cmd_migrate(_: argparse.Namespace) -> int:
    from frontdesk.store import migrate

    engine = _engine(get_settings())
    migrate.upgrade(engine)
    print(f"database at revision {migrate.current_revision(engine)}")
    return 0


def cmd_tenant_create(args: argparse.Namespace) -> int:
    from frontdesk.services.tenants import TenantFields, create_api_key, create_tenant
    from frontdesk.store import migrate
    from frontdesk.store.db import make_session_factory, write_session

    engine = _engine(get_settings())
    migrate.upgrade(engine)
    fields = TenantFields(
        name=args.name,
        timezone=args.timezone,
        country=args.country,
        languages=args.languages.split(","),
        phone_numbers=args.phone or None,
    )
    with write_session(make_session_factory(engine)) as session:
        tenant = create_tenant(session, args.slug, fields)
        _, key = create_api_key(session, tenant, "default")
    print(f"created business {tenant.slug} ({tenant.id})")
    print(f"API key (shown once): {key}")
    return 0


def cmd_api_key_create(args: argparse.Namespace) -> int:
    from frontdesk.services.tenants import create_api_key, get_tenant_by_slug
    from frontdesk.store import migrate
    from frontdesk.store.db import make_session_factory, write_session

    engine = _engine(get_settings())
    migrate.upgrade(engine)
    with write_session(make_session_factory(engine)) as session:
        tenant = get_tenant_by_slug(session, args.tenant)
        _, key = create_api_key(session, tenant, args.name)
    print(key)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="frontdesk", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--demo", action="store_true", help="seed demo businesses (fresh SQLite)")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(func=cmd_serve)

    sub.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        func=cmd_migrate
    )

    tenant = sub.add_parser("tenant", help="manage businesses").add_subparsers(
        dest="action", required=True
    )
    create = tenant.add_parser("create", help="create a business and its first API key")
    create.add_argument("--slug", required=True, help="short id, e.g. bella-salon")
    create.add_argument("--name", required=True)
    create.add_argument("--timezone", required=True, help="IANA zone, e.g. America/New_York")
    create.add_argument("--country", default="US", help="region for local phone numbers")
    create.add_argument("--languages", default="en", help="comma-separated: en,es")
    create.add_argument("--phone", action="append", help="a number it answers (repeatable)")
    create.set_defaults(func=cmd_tenant_create)

    keys = sub.add_parser("api-key", help="manage API keys").add_subparsers(
        dest="action", required=True
    )
    key_create = keys.add_parser("create", help="create an API key; prints it once")
    key_create.add_argument("--tenant", required=True, help="the business's slug")
    key_create.add_argument("--name", default="default", help="a label for the key")
    key_create.set_defaults(func=cmd_api_key_create)
    from frontdesk.evals.cli import register as register_eval

    register_eval(sub)
    from frontdesk.nlu.cli import register as register_nlu

    register_nlu(sub)
    from frontdesk.cli_call import register as register_call

    register_call(sub)
    from frontdesk.cli_sms import register as register_sms

    register_sms(sub)
    from frontdesk.cli_calendar import register as register_calendar

    register_calendar(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from frontdesk.security import SecretKeyMissing

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except FrontdeskError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 2
    except SecretKeyMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
