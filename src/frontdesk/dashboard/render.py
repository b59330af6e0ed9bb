"""Rendering pages: Jinja2 templates shipped in the package, autoescaped."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from frontdesk.dashboard.text import words

_env = Environment(loader=PackageLoader("frontdesk.dashboard", "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True,
                   lstrip_blocks=True)


def page(template: str, lang: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _env.get_template(template).render(t=words(lang), lang=lang, **context)
    response = HTMLResponse(html, status_code=status_code)
    # Pages are personal: never cached by a proxy or kept in a shared browser's cache,
    # and never framed by another site.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def public_base(request: Request, public_base_url: str) -> str:
    """Where browsers reach this server (links in emails, snippets, OAuth redirects): the
    configured public address, else this request's own."""
    return public_base_url.rstrip("/") or str(request.base_url).rstrip("/")
