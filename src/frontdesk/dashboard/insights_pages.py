"""The insights page: the business's last 7, 30 or 90 days at a glance (bookings per day,
booking rate by channel, calls handled and transferred, handle time, no-shows, reasons
for transfer), as charts drawn on the server with their numbers beside them. Owners and
admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.responses import HTMLResponse

from frontdesk.dashboard.insights_view import draw, minutes, percent
from frontdesk.dashboard.render import page
from frontdesk.dashboard.routes import HOME, AdminDep
from frontdesk.dashboard.text import language_of, words
from frontdesk.services.insights import insights
from frontdesk.services.users import business_of
from frontdesk.web.deps import SessionDep

router = APIRouter(include_in_schema=False)
PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30


def _period(value: str) -> int:
    """A period the form offers; anything else (typed into the address bar) shows the
    default rather than an error page."""
    return int(value) if value.strip() in {str(p) for p in PERIODS} else DEFAULT_PERIOD


@router.get(HOME + "/insights", response_class=HTMLResponse)
def insights_page(request: Request, who: AdminDep, session: SessionDep,
                  days: Annotated[str, Query(max_length=8)] = "") -> Response:
    lang = language_of(request, who.language)
    figures = insights(session, business_of(session, who), _period(days))
    return page("insights.html", lang, who=who, csrf=request.state.csrf, active="insights",
                figures=figures, charts=draw(figures, words(lang)), periods=PERIODS,
                percent=percent, minutes=minutes)
