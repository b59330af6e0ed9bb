"""This server's own origin, as a browser writes it in ``Origin`` (ADR 0040)."""

from __future__ import annotations

import pytest

from frontdesk.web.scopes import home_origin


@pytest.mark.parametrize(("base_url", "origin"), [
    ("https://desk.example", "https://desk.example"),
    ("https://Desk.Example:443/frontdesk/", "https://desk.example"),
    ("https://desk.example:8443", "https://desk.example:8443"),
    ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
    ("http://testserver/", "http://testserver"),
    ("", None), ("ws://desk.example", None), ("https://user@desk.example", None),
])
def test_home_origin(base_url: str, origin: str | None) -> None:
    assert home_origin(base_url) == origin
