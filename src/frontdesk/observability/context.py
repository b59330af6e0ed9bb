"""The ids a log line carries: request, tenant, conversation and call.

A request (or a streamed call, or a background task) opens a scope with :func:`begin`;
code deeper in that scope adds what it learns with :func:`note`. The scope is a mutable
mapping held in a context variable, so what a dependency or a sync handler notes in a
worker thread (Starlette runs those in a copy of the context) is seen by the request's
own access line afterwards: the copy holds the same mapping.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token

FIELDS = ("request_id", "tenant", "conversation_id", "call_id")

_scope: ContextVar[dict[str, str] | None] = ContextVar("frontdesk_log_scope", default=None)
# What a client may send as X-Request-ID: a proxy's or a load balancer's id, not a log
# injection (no spaces, no control characters) and not a payload.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{8,128}")


def request_id_from(header: str | None) -> str:
    """The client's ``X-Request-ID`` when it is well-formed, else a fresh one."""
    if header and _REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def begin(**fields: str | None) -> Token[dict[str, str] | None]:
    """Open a scope (a request, a call, a task) with these ids; ``end`` closes it."""
    return _scope.set({k: v for k, v in fields.items() if v})


def end(token: Token[dict[str, str] | None]) -> None:
    _scope.reset(token)


@contextmanager
def scope(**fields: str | None) -> Iterator[None]:
    token = begin(**fields)
    try:
        yield
    finally:
        end(token)


def note(**fields: str | None) -> None:
    """Add ids to the current scope (opening one when there is none)."""
    current = _scope.get()
    if current is None:
        current = {}
        _scope.set(current)
    current.update({k: v for k, v in fields.items() if v})


def current() -> dict[str, str]:
    """The ids known here (a copy)."""
    return dict(_scope.get() or {})
