"""Time zone names a business or a customer may have."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from frontdesk.errors import InvalidInput

# Names zoneinfo resolves that are not real zones: the host's own setting, a tzdata
# build artefact and a placeholder. A business's zone must mean the same on any server.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@lru_cache(maxsize=1)
def _iana_zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_ZONES


def check_timezone(name: str) -> str:
    # Looked up in the list, never opened by name: a name is a path under the zone
    # folder, and a long or odd one makes ZoneInfo raise OSError rather than refuse it.
    if name not in _iana_zones():
        shown = name if len(name) <= 64 else name[:61] + "..."
        raise InvalidInput(
            f"{shown!r} is not an IANA time zone; use a name like 'America/New_York'.",
            field="timezone",
        )
    return name
