"""A process without an HTTP server of its own (``frontdesk worker``) serves its metrics
here: prometheus_client's threading WSGI server, answering ``GET /metrics`` (any path,
as prometheus_client's own does) with the text ``render`` makes.

With a token, a scrape must send ``Authorization: Bearer <token>`` (what Prometheus's
``authorization`` scrape setting sends, as for the server's ``/metrics``), compared in
constant time; without one, keep the port on loopback or a private network.
"""

from __future__ import annotations

import hmac
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client.exposition import ThreadingWSGIServer

from frontdesk.observability.metrics import CONTENT_TYPE

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """A scrape every few seconds is not worth a log line."""


def _authorized(environ: dict[str, Any], token: str) -> bool:
    if not token:
        return True
    scheme, _, given = str(environ.get("HTTP_AUTHORIZATION", "")).partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(),
                                                                token.encode())


def metrics_app(render: Callable[[], bytes], token: str = ""
                ) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD")])
            return [b""]
        if not _authorized(environ, token):
            start_response("401 Unauthorized", [("WWW-Authenticate", "Bearer"),
                                                ("Content-Type", "text/plain")])
            return [b"Send FRONTDESK_METRICS_TOKEN as 'Authorization: Bearer'.\n"]
        try:
            body = render()
        except Exception:  # a broken collector answers 500 and is logged, not fatal
            log.exception("metrics: rendering failed")
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"metrics unavailable\n"]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE),
                                  ("Content-Length", str(len(body)))])
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]

    return app


class _IPv6(ThreadingWSGIServer):
    address_family = socket.AF_INET6


class MetricsServer:
    """Serving on ``host:port`` (port 0: a free one, read back from ``.port``) in a
    daemon thread until ``close``."""

    def __init__(self, host: str, port: int, render: Callable[[], bytes],
                 token: str = "") -> None:
        self._httpd = make_server(host, port, metrics_app(render, token),
                                  _IPv6 if ":" in host else ThreadingWSGIServer,
                                  handler_class=_Quiet)
        self.host, self.port = host, int(self._httpd.server_port)
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        name="metrics-server", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
