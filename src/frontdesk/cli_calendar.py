"""``frontdesk calendar``: connect a resource's calendar, and a try-out with a local CalDAV server.

``frontdesk calendar demo`` (against a running ``frontdesk serve --demo`` started with
``FRONTDESK_CALENDAR_ALLOW_PRIVATE_HOSTS=1``, as Radicale is on this machine) starts a
Radicale CalDAV server on this machine, connects the demo salon's first stylist to a
calendar in it through the API, adds a meeting there as the stylist's own calendar app
would, and shows the offered slot disappear. It keeps Radicale running (the URL and login
are printed, for any CalDAV app: Thunderbird, GNOME Calendar, DAVx5) until Ctrl-C, then
disconnects the calendar again.

``frontdesk calendar connect`` connects any resource: CalDAV with a URL and password, or
Google / Microsoft by printing the consent URL for the calendar's owner to open.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from frontdesk.errors import FrontdeskError

DEMO_KEY = "fd_demo_salon_key"
DEMO_USER = "stylist"
DEMO_PASSWORD = "demo-calendar"


# A frontdesk server refuses CalDAV servers on loopback and private networks (decision
# 0012) unless its operator says otherwise; the try-out's Radicale runs on 127.0.0.1.
ALLOW_PRIVATE_HOSTS = "FRONTDESK_CALENDAR_ALLOW_PRIVATE_HOSTS=1"
_PRIVATE_HOSTS_HINT = (
    "the frontdesk server at {base} does not connect to calendars on this machine ({url}) "
    f"by default. Start it with {ALLOW_PRIVATE_HOSTS} (e.g. `{ALLOW_PRIVATE_HOSTS} "
    "frontdesk serve --demo`) and run the try-out again."
)


class CliError(FrontdeskError):
    code = "cli_error"


def _api(
    base: str, key: str, method: str, path: str, body: dict[str, Any] | None = None
) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base.rstrip("/") + path, data=data, method=method,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        field = None
        try:
            problem = json.loads(exc.read())
            detail = problem.get("detail") or problem.get("title") or exc.reason
            field = problem.get("field")
        except ValueError:
            detail = exc.reason
        raise CliError(
            f"{method} {path} answered {exc.code}: {detail}", status=exc.code, field=field
        ) from exc
    except urllib.error.URLError as exc:
        raise CliError(
            f"cannot reach frontdesk at {base} ({exc.reason}); is `frontdesk serve --demo` running?"
        ) from exc
    return json.loads(raw) if raw else None


def _resource(base: str, key: str, wanted: str | None) -> dict[str, Any]:
    resources: list[dict[str, Any]] = _api(base, key, "GET", "/api/v1/resources")
    if not resources:
        raise CliError("this business has no staff or rooms yet")
    if not wanted:
        return resources[0]
    for resource in resources:
        if wanted in (resource["id"], resource["name"]) or resource["name"].lower().startswith(
            wanted.lower()
        ):
            return resource
    names = ", ".join(r["name"] for r in resources)
    raise CliError(f"no resource named {wanted!r}; there are: {names}")


# --- a local Radicale -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_radicale(root: Path, port: int = 0) -> tuple[subprocess.Popen[bytes], str]:
    """Start Radicale on 127.0.0.1 with one user; return the process and its URL."""
    try:
        import radicale  # noqa: F401
    except ImportError as exc:
        raise CliError(
            "the try-out needs the Radicale CalDAV server: pip install radicale"
        ) from exc
    port = port or _free_port()
    root.mkdir(parents=True, exist_ok=True)
    (root / "users").write_text(f"{DEMO_USER}:{DEMO_PASSWORD}\n")
    (root / "config").write_text(
        f"[server]\nhosts = 127.0.0.1:{port}\n"
        f"[auth]\ntype = htpasswd\nhtpasswd_filename = {root / 'users'}\n"
        "htpasswd_encryption = plain\ndelay = 0\n"
        "[rights]\ntype = owner_only\n"
        f"[storage]\nfilesystem_folder = {root / 'collections'}\n"
        "[logging]\nlevel = warning\n"
    )
    log = (root / "radicale.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(root / "config")],
        stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CliError(f"Radicale exited: {(root / 'radicale.log').read_text()[-500:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise CliError("Radicale did not start listening")


def _add_meeting(url: str, calendar_name: str, start: datetime, end: datetime) -> None:
    """Add a meeting as the owner's own calendar app would (a plain VEVENT over CalDAV)."""
    from caldav.davclient import DAVClient

    client = DAVClient(url=url, username=DEMO_USER, password=DEMO_PASSWORD, timeout=10)
    calendar = client.principal().calendar(name=calendar_name)  # type: ignore[no-untyped-call]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    calendar.save_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//frontdesk try-out//EN\r\n"
        f"BEGIN:VEVENT\r\nUID:{uuid.uuid4()}@owner\r\nDTSTAMP:{stamp}\r\n"
        f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n"
        f"DTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}\r\n"
        "SUMMARY:Dentist (added in my own calendar)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def _starts(base: str, key: str, service_id: str, resource_id: str, day: str) -> list[str]:
    query = urllib.parse.urlencode(
        {"service": service_id, "resource": resource_id, "from": day, "to": day}
    )
    found = _api(base, key, "GET", f"/api/v1/availability?{query}")
    slots = found["slots"] if isinstance(found, dict) else found
    return [str(slot["start"]) for slot in slots]


def _try_booking(base: str, key: str, service_id: str, resource_id: str, start: str) -> str:
    """Try to book ``start``; return the refusal. A booking here would be a double booking."""
    body = {"service_id": service_id, "resource_id": resource_id, "start": start}
    try:
        made = _api(base, key, "POST", "/api/v1/appointments", body)
    except CliError as exc:
        if " answered 409: " not in exc.detail:
            raise
        return exc.detail.split(" answered ", 1)[1]
    _api(base, key, "POST", f"/api/v1/appointments/{made['id']}/cancel")
    raise CliError(f"{start} was booked over the calendar's meeting (cancelled again): a bug")


def cmd_demo(args: argparse.Namespace) -> int:
    base, key, out = args.url, args.key, sys.stdout
    resource = _resource(base, key, args.resource)
    services: list[dict[str, Any]] = _api(base, key, "GET", "/api/v1/services")
    service = next(
        (s for s in services if not s.get("resource_ids") or resource["id"] in s["resource_ids"]),
        services[0],
    )
    root = Path(args.data_dir or tempfile.mkdtemp(prefix="frontdesk-caldav-"))
    process, url = start_radicale(root, args.port)
    calendar_name = "work"
    try:
        from caldav.davclient import DAVClient

        owner = DAVClient(url=url, username=DEMO_USER, password=DEMO_PASSWORD, timeout=10)
        owner.principal().make_calendar(name=calendar_name)  # type: ignore[no-untyped-call]
        print(f"1. Radicale (CalDAV) is running at {url}  user {DEMO_USER!r} "
              f"password {DEMO_PASSWORD!r}", file=out)
        try:
            _api(base, key, "PUT", f"/api/v1/resources/{resource['id']}/calendar", {
                "provider": "caldav", "url": url, "username": DEMO_USER,
                "password": DEMO_PASSWORD, "calendar": calendar_name,
            })
        except CliError as exc:
            if exc.extra.get("status") == 422 and exc.extra.get("field") == "url":
                raise CliError(_PRIVATE_HOSTS_HINT.format(base=base, url=url)) from exc
            raise
        print(f"2. Connected {resource['name']}'s calendar {calendar_name!r} "
              f"(PUT /api/v1/resources/{resource['id']}/calendar)", file=out)
        day, before = "", []
        for ahead in range(1, 15):
            day = (datetime.now(UTC) + timedelta(days=ahead)).date().isoformat()
            before = _starts(base, key, service["id"], resource["id"], day)
            if before:
                break
        if not before:
            raise CliError(f"{resource['name']} has no open {service['name']} slot in two weeks")
        target = before[0]
        start = datetime.fromisoformat(target.replace("Z", "+00:00"))
        print(f"3. {service['name']} with {resource['name']} on {day}: {len(before)} slots, "
              f"the first at {target}", file=out)
        _add_meeting(url, calendar_name, start, start + timedelta(hours=1))
        print(f"4. Added a meeting {start:%H:%M}–{start + timedelta(hours=1):%H:%M} (local) in "
              "the CalDAV calendar (as the stylist's own calendar app would)", file=out)
        refusal = _try_booking(base, key, service["id"], resource["id"], target)
        print(f"5. Booking {target} now is refused: {refusal} — a booking always re-reads the "
              "connected calendar first.", file=out)
        # Searches reuse a calendar read for up to FRONTDESK_CALENDAR_CACHE_S (60 s); the
        # refused booking's read has already refreshed it, so this is normally at once.
        deadline = time.monotonic() + args.wait_s
        while True:
            after = _starts(base, key, service["id"], resource["id"], day)
            if target not in after:
                break
            if time.monotonic() > deadline:
                raise CliError(f"{target} is still offered after {args.wait_s:.0f} s")
            time.sleep(2)
        print(f"6. {target} is no longer offered ({len(after)} slots left that day).", file=out)
        if args.keep:
            print(f"\nAdd more events at {url} with any CalDAV app; Ctrl-C stops Radicale and "
                  "disconnects the calendar.", file=out, flush=True)
            try:
                while process.poll() is None:
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
    finally:
        try:
            _api(base, key, "DELETE", f"/api/v1/resources/{resource['id']}/calendar")
        except CliError:
            pass
        process.terminate()
        process.wait(timeout=10)
    return 0


def cmd_connect(args: argparse.Namespace) -> int:
    resource = _resource(args.url, args.key, args.resource)
    path = f"/api/v1/resources/{resource['id']}/calendar"
    if args.provider == "caldav":
        if not (args.caldav_url and args.username and args.password and args.calendar):
            raise CliError("CalDAV needs --caldav-url, --username, --password and --calendar")
        connection = _api(args.url, args.key, "PUT", path, {
            "provider": "caldav", "url": args.caldav_url, "username": args.username,
            "password": args.password, "calendar": args.calendar,
        })
        print(f"connected {resource['name']}: {connection['provider_name']} "
              f"{connection['calendar']} ({connection['status']})")
        return 0
    started = _api(args.url, args.key, "POST", f"{path}/connect/{args.provider}",
                   {"calendar": args.calendar or ""})
    print(f"Open this in {resource['name']}'s browser to connect the calendar "
          f"(valid 15 minutes):\n{started['authorize_url']}")
    return 0


def register(sub: Any) -> None:
    calendar = sub.add_parser("calendar", help="external calendars").add_subparsers(
        dest="calendar_command", required=True
    )
    demo = calendar.add_parser(
        "demo", help="try-out: connect the demo salon to a local CalDAV calendar (Radicale)",
        description="Needs a running `FRONTDESK_CALENDAR_ALLOW_PRIVATE_HOSTS=1 frontdesk serve "
        "--demo`: the server refuses calendars on this machine without that setting.",
    )
    demo.add_argument("--url", default="http://127.0.0.1:8000", help="the frontdesk server")
    demo.add_argument("--key", default=DEMO_KEY, help="the business's API key")
    demo.add_argument("--resource", help="staff or room name (default: the first)")
    demo.add_argument("--port", type=int, default=5232, help="Radicale's port (0: any free)")
    demo.add_argument("--data-dir", help="Radicale's storage folder (default: a temporary one)")
    demo.add_argument("--wait-s", type=float, default=90.0, help=argparse.SUPPRESS)
    demo.add_argument("--no-keep", dest="keep", action="store_false",
                      help="stop at once instead of keeping Radicale running")
    demo.set_defaults(func=cmd_demo)

    connect = calendar.add_parser("connect", help="connect a resource's calendar")
    connect.add_argument("provider", choices=["caldav", "google", "microsoft"])
    connect.add_argument("--url", default="http://127.0.0.1:8000", help="the frontdesk server")
    connect.add_argument("--key", required=True, help="the business's API key")
    connect.add_argument("--resource", help="staff or room name or id (default: the first)")
    connect.add_argument("--caldav-url", help="CalDAV server URL")
    connect.add_argument("--username")
    connect.add_argument("--password")
    connect.add_argument("--calendar", help="calendar name or URL (CalDAV) or id (OAuth)")
    connect.set_defaults(func=cmd_connect)
