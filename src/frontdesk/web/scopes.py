"""What each API key scope may reach: the one place that decides (ADR 0038).

Every route that takes an API key gets it through ``web.deps.get_caller``, which calls
:func:`check_scope` with the matched route's path template: a new route is covered the
day it is added, and a widget key reaches it only if it is listed in ``WIDGET_DOORS``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from frontdesk.errors import FrontdeskError
from frontdesk.services.api_keys import ADMIN, READ, WIDGET, Caller

API_PREFIX = "/api/v1/"
SAFE_METHODS = frozenset({"GET", "HEAD"})
# Managing keys is for admin keys only, reads included: a read key is often handed to
# a reporting tool, which has no business seeing which other keys exist. The same for
# webhook endpoints: their URLs may carry tokens, their log the receivers' answers.
ADMIN_ONLY_PREFIXES = ("/api/v1/api-keys", "/api/v1/webhook-endpoints")
# The only (method, route) pairs a publishable widget key may use: the chat door.
WIDGET_DOORS = frozenset({("POST", "/api/v1/chat")})


class Forbidden(FrontdeskError):
    """A real key, not allowed this (its scope, or the page it was sent from).

    Lives here, not in ``frontdesk.errors``: only the web layer raises it, and a caller
    talking to the agent never meets it, so it has no words in the brain."""

    status = 403
    title = "Not allowed for this API key"

    def __init__(self, detail: str, *, code: str = "insufficient_scope", **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.code = code  # type: ignore[misc]


_DEFAULT_PORTS = {"https": "443", "http": "80"}


def home_origin(base_url: str) -> str | None:
    """The origin (as a browser writes it in ``Origin``) of this server's own pages at
    ``base_url``: ``scheme://host[:port]``, lowercase, no default port."""
    parts = urlsplit(base_url.strip())
    scheme, netloc = parts.scheme.lower(), parts.netloc.lower()
    if scheme not in _DEFAULT_PORTS or not netloc or "@" in netloc:
        return None
    return f"{scheme}://{netloc.removesuffix(':' + _DEFAULT_PORTS[scheme])}"


def check_scope(caller: Caller, method: str, route_path: str, origin: str | None,
                home: str | None = None) -> None:
    """Raise Forbidden unless ``caller``'s key may use ``method`` on ``route_path`` (a
    route's template, e.g. ``/api/v1/customers/{customer_id}``) from ``origin``.

    ``method`` is ``WEBSOCKET`` for a socket: a socket only ever talks to the agent, which
    is an admin key's business. ``home`` is this server's own origin: a widget key also
    works from there, where the dashboard's live preview runs it (ADR 0040) — only this
    server's own pages have that origin."""
    if caller.scope == ADMIN:
        return
    if caller.scope == READ:
        if (method in SAFE_METHODS and route_path.startswith(API_PREFIX)
                and not route_path.startswith(ADMIN_ONLY_PREFIXES)):
            return
        raise Forbidden(
            f"This is a read-only API key: it may not {method} {route_path}. "
            "Use a key with the admin scope.", scope=READ,
        )
    if caller.scope == WIDGET and (method, route_path) in WIDGET_DOORS:
        if origin is not None and (origin in caller.allowed_origins or origin == home):
            return
        raise Forbidden(
            f"This widget key works only on the pages of its allowed origins, not from "
            f"{origin or 'a request without an Origin header'}.",
            code="origin_not_allowed", scope=WIDGET,
        )
    raise Forbidden(
        f"This API key (scope {caller.scope!r}) may only send chat messages "
        "(POST /api/v1/chat) from its website.", scope=caller.scope,
    )
