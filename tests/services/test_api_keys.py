"""Origins as a browser sends them, and what each scope may be created with."""

from __future__ import annotations

import pytest

from frontdesk.errors import InvalidInput
from frontdesk.services.api_keys import check_origin, check_scope


@pytest.mark.parametrize(("given", "stored"), [
    ("https://www.example.com", "https://www.example.com"),
    ("HTTPS://WWW.Example.COM", "https://www.example.com"),
    ("https://example.com:443", "https://example.com"),
    ("https://example.com:8443", "https://example.com:8443"),
    ("http://localhost:5173", "http://localhost:5173"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    (" https://example.com ", "https://example.com"),
    ("https://example.com/", "https://example.com"),  # as pasted from the address bar
])
def test_origins_are_stored_as_browsers_send_them(given: str, stored: str) -> None:
    assert check_origin(given) == stored


@pytest.mark.parametrize("bad", [
    "example.com", "http://example.com", "https://example.com//", "https://example.com/app",
    "https://*.example.com", "https://a:b@example.com", "https://example.com#x",
    "ftp://example.com", "https://exa mple.com", "https://example.com:0x50", "null", "",
    "https://-example.com", "javascript:alert(1)", "http://localhost.evil.example",
])
def test_anything_else_is_not_an_origin(bad: str) -> None:
    with pytest.raises(InvalidInput):
        check_origin(bad)


def test_only_widget_keys_have_origins_and_they_need_some() -> None:
    assert check_scope("admin", None) == ("admin", None)
    assert check_scope("widget", ["https://a.example", "https://A.example:443"]) == (
        "widget", ["https://a.example"])
    for scope, origins in (("widget", None), ("widget", []), ("read", ["https://a.example"]),
                           ("owner", None)):
        with pytest.raises(InvalidInput):
            check_scope(scope, origins)
