"""``frontdesk webhook listen``: a tiny local receiver for trying webhooks out.

It prints each event it receives and whether its Standard Webhooks signature verified
with the secret given (``--secret whsec_...``, the one the API showed when the endpoint
was registered). Verified (or unchecked, without a secret) events are answered 204; a
bad signature is answered 401, so frontdesk's delivery log shows it.
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 1 << 20


def _handler(secret: str | None) -> type[BaseHTTPRequestHandler]:
    from frontdesk.senders.webhook_signing import SignatureError, verify

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server naming
            length = min(int(self.headers.get("content-length") or 0), MAX_BODY)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            if secret is None:
                verdict, status = "signature not checked (no --secret)", 204
            else:
                try:
                    verify(secret, headers, body)
                    verdict, status = "signature verified", 204
                except SignatureError as exc:
                    verdict, status = f"signature INVALID: {exc}", 401
            try:
                event: Any = json.loads(body)
                kind = event.get("type", "?") if isinstance(event, dict) else "?"
                shown = json.dumps(event, indent=2, ensure_ascii=False)
            except ValueError:
                kind, shown = "?", body.decode("utf-8", errors="replace")
            print(f"{headers.get('webhook-id', '-')} {kind}: {verdict}\n{shown}", flush=True)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the event line above says it all

    return Receiver


def cmd_webhook_listen(args: argparse.Namespace) -> int:
    server = ThreadingHTTPServer((args.host, args.port), _handler(args.secret))
    host, port = server.server_address[:2]
    print(f"listening on http://{host!s}:{port}/ (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def register(sub: Any) -> None:
    webhook = sub.add_parser("webhook", help="try out signed webhooks")
    actions = webhook.add_subparsers(dest="webhook_command", required=True, metavar="ACTION")
    listen = actions.add_parser(
        "listen", help="a local receiver that prints each event and checks its signature")
    listen.add_argument("--port", type=int, default=8765, help="0: any free port")
    listen.add_argument("--host", default="127.0.0.1")
    listen.add_argument("--secret", default=None,
                        help="the endpoint's signing secret (whsec_...), to verify with")
    listen.set_defaults(func=cmd_webhook_listen)
