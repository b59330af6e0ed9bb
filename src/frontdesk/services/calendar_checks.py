"""Checks made before a calendar connection is stored: may frontdesk connect to the
address it names, and does the calendar answer a read with the credentials given."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from frontdesk.calendars.address_guard import AddressNotAllowed, AddressPolicy
from frontdesk.calendars.base import (
    CalendarAddressRefused,
    CalendarAuthError,
    CalendarNotFound,
    CalendarProvider,
)
from frontdesk.errors import InvalidInput
from frontdesk.services.calendar_providers import close_provider


def check_readable(provider: CalendarProvider, what: str, field: str = "calendar") -> None:
    """Read the next day's busy times once: refused credentials or calendar fail here."""
    try:
        now = datetime.now(UTC)
        try:
            provider.busy(now, now + timedelta(days=1))
        finally:
            close_provider(provider)
    except CalendarAuthError as exc:
        raise InvalidInput(
            f"{what} rejected the username or password (or the granted access): {exc.detail}",
            field="password",
        ) from exc
    except CalendarNotFound as exc:
        raise InvalidInput(exc.detail, field=field) from exc
    except CalendarAddressRefused as exc:
        # A redirect or a server-named URL led there (the given URLs were checked first).
        raise InvalidInput(exc.detail, field="url") from exc
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    # CalendarUnavailable (503) and other CalendarErrors (502) propagate as they are.


def is_http_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        # .port raises ValueError for one that is not a port number.
        return parts.scheme in ("http", "https") and bool(parts.hostname) and (
            parts.port is None or parts.port > 0)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        return False


def refuse_off_limits(policy: AddressPolicy, address: str, field: str) -> None:
    """A 422 naming ``field`` when ``address`` (a URL; a calendar may also be a name)
    is, or resolves to, a host frontdesk does not connect to (decision 0012)."""
    if not address.startswith(("http://", "https://")):
        return
    try:
        policy.check_url(address)
    except AddressNotAllowed as exc:
        raise InvalidInput(f"The calendar address {exc}.", field=field) from exc
    except ValueError as exc:
        raise InvalidInput(f"{address!r} is not a valid http(s) URL.", field=field) from exc
    except OSError:
        return  # it does not resolve: the read that follows says so, in our words
