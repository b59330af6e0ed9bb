"""What the settings pages share: reading a posted form whose fields are many or
repeated (a week of hours, a list of staff), and showing why a form was not saved.

A settings form never answers bad input with the API's problem+json: the page comes back
with the person's own input and a sentence saying what to fix (4xx), and nothing was
written (the service raised inside the write transaction, or the form was refused before
it began)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import time
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from frontdesk.dashboard.render import page
from frontdesk.dashboard.text import language_of, words
from frontdesk.errors import FrontdeskError, NotFound
from frontdesk.services.catalog import HoursRange
from frontdesk.services.users import Viewer

DAYS = range(7)  # 0 = Monday, as the services count them
MAX_FIELD = 4000  # longer than any settings field; a form is read no further


class FormError(Exception):
    """The form's input could not be read (a word key of ``text.TEXT`` says why); 409
    where the form was right but what it was about changed since the page was shown."""

    def __init__(self, key: str, status: int = 422) -> None:
        super().__init__(key)
        self.key = key
        self.status = status


class Posted:
    """A posted form: each field's (first) value trimmed, or all of a repeated field's."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self._fields = fields

    def get(self, name: str) -> str:
        values = self._fields.get(name) or [""]
        if len(values[0]) > MAX_FIELD:
            raise FormError("too_long")
        return values[0].strip()

    def shown(self, name: str, limit: int) -> str:
        """A field's value cut to ``limit``, to show again on a refused form."""
        return (self._fields.get(name) or [""])[0][:limit]

    def getlist(self, name: str) -> list[str]:
        return [v.strip() for v in self._fields.get(name, []) if v.strip()]

    def as_values(self) -> dict[str, Any]:
        """The input, as a form re-shows it (one value per field; lists for repeats)."""
        return {k: (v[0] if len(v) == 1 else v) for k, v in self._fields.items()}


async def _posted(request: Request) -> Posted:
    # Starlette keeps the parsed form: the CSRF check read this same one.
    form = await request.form()
    fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key != "csrf":
            fields.setdefault(key, []).append(value)
    return Posted(fields)


PostedForm = Annotated[Posted, Depends(_posted)]


def settings_page(request: Request, who: Viewer, template: str, *, status_code: int = 200,
                  **context: Any) -> Response:
    return page(template, language_of(request, who.language), status_code=status_code,
                who=who, csrf=request.state.csrf, active="settings", **context)


def why_not(request: Request, who: Viewer, exc: FormError | FrontdeskError) -> tuple[str, int]:
    """What the page says about a refused form, and its status. A service's refusal is
    shown as the service worded it (naming the field), after a sentence in the
    person's language."""
    t = words(language_of(request, who.language))
    if isinstance(exc, FormError):
        return t[exc.key], exc.status
    return f"{t['not_saved']} {exc.detail}", exc.status


def read_time(value: str) -> time | None:
    """A time box's value ("09:30"); empty is None; nonsense is a FormError."""
    if not value:
        return None
    try:
        found = time.fromisoformat(value)
    except ValueError:
        raise FormError("bad_hours_time") from None
    return found.replace(second=0, microsecond=0, tzinfo=None)


def read_week(form: Posted) -> list[HoursRange]:
    """A week's hours: per weekday up to two ranges (``h{d}_open``/``h{d}_close`` and
    ``h{d}_open2``/``h{d}_close2``); a day with no times is closed."""
    hours = []
    for day in DAYS:
        for suffix in ("", "2"):
            start = read_time(form.get(f"h{day}_open{suffix}"))
            end = read_time(form.get(f"h{day}_close{suffix}"))
            if (start is None) != (end is None):
                raise FormError("hours_incomplete")
            if start is not None and end is not None:
                hours.append(HoursRange(day, start, end))
    return hours


def week_values(hours: dict[int, list[tuple[str, str]]]) -> dict[str, str]:
    """Stored hours as the week's form fields."""
    values = {}
    for day, ranges in hours.items():
        for (start, end), suffix in zip(ranges, ("", "2"), strict=False):
            values[f"h{day}_open{suffix}"], values[f"h{day}_close{suffix}"] = start, end
    return values


def read_ids(form: Posted, name: str) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(v) for v in form.getlist(name)]
    except ValueError:
        raise FormError("bad_choice") from None


def read_minutes(value: str, *, required: bool = True) -> int | None:
    """A whole number of minutes (the service checks its range)."""
    if not value:
        if required:
            raise FormError("number_needed")
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 6:
        raise FormError("bad_number")
    return int(value)


def read_price(value: str) -> int | None:
    """A price as people write it ("45", "45.50", "45,50") in cents; empty is none."""
    if not value:
        return None
    whole, _, cents = value.replace(",", ".").partition(".")
    digits = whole + cents
    if not (digits.isascii() and digits.isdigit()) or not whole or len(whole) > 9 \
            or len(cents) > 2:
        raise FormError("bad_price")
    return int(whole) * 100 + int(cents.ljust(2, "0") or 0)


def read_names(value: str) -> list[str]:
    """Spoken names: comma-separated, each trimmed, no repeats, case kept."""
    return list(dict.fromkeys(n.strip() for n in value.split(",") if n.strip()))


def saved_or_refused(request: Request, who: Viewer, save: Callable[[], object],
                     refused: Callable[[int, str], Response], done: str) -> Response:
    """Run a form's save, then go to ``done``; a refusal shows the form again with the
    reason (``refused(status, text)``). Another business's id stays a 404, as anywhere."""
    try:
        save()
    except NotFound:
        raise
    except (FormError, FrontdeskError) as exc:
        text, status = why_not(request, who, exc)
        return refused(status, text)
    return RedirectResponse(done, status_code=303)
