"""Booking, moving and cancelling from the appointments page, without JavaScript: a form
for each (cancelling asks first, on a page of its own), every post CSRF-checked.

A time the booking service refuses re-shows its form with the reason and the free times
nearby (409; 422 for what cannot be read) and nothing is stored. Staff act only on
their own calendar. What the customer is told is the booking service's business: it
writes the same messages as when the API books, moves or cancels.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date, time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from frontdesk.dashboard.render import page
from frontdesk.dashboard.routes import HOME, CsrfChecked, ViewerDep
from frontdesk.dashboard.text import TEXT, language_of
from frontdesk.errors import BookingRefused, FrontdeskError, IdempotencyMismatch, InvalidInput
from frontdesk.services.appointment_edits import (
    Alternative,
    Edited,
    NewBooking,
    alternatives,
    book_for,
    cancel_for,
    move_for,
    wall_clock,
)
from frontdesk.services.appointment_forms import AppointmentCard, appointment_card, booking_choices
from frontdesk.services.users import Viewer, business_of
from frontdesk.web.deps import FactoryDep, SessionDep

router = APIRouter(include_in_schema=False)

CALENDAR = HOME + "/appointments"
# Refusals about the time asked for: the free times nearby are worth showing.
_OFFER_NEARBY = {"slot_taken", "outside_hours", "day_full", "too_soon", "service_not_offered"}
# What a form may send back as it was typed (re-shown when refused).
Field = Annotated[str, Form(max_length=200)]
TimeField = Annotated[str, Form(alias="time", max_length=200)]  # ``time`` is the type
Refused = (BookingRefused, InvalidInput, IdempotencyMismatch)


def _reason(exc: FrontdeskError) -> str:
    """The words key for a refusal: its code, or for input that cannot be used, its field."""
    key = f"bad_{exc.extra.get('field', '')}" if isinstance(exc, InvalidInput) else \
        f"refusal_{exc.code}"
    return key if key in TEXT else "refusal_other"


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput("Give the date as YYYY-MM-DD.", field="day") from None


def _time(value: str) -> time:
    try:
        return time.fromisoformat(value.strip()).replace(second=0, microsecond=0)
    except ValueError:
        raise InvalidInput("Give the time as HH:MM.", field="time") from None


def _id(value: str, field: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value.strip() else None
    except ValueError:
        raise InvalidInput(f"That {field} is not one of the choices.", field=field) from None


def _to_calendar(done: Edited, what: str) -> Response:
    return RedirectResponse(f"{CALENDAR}?day={done.day.isoformat()}&view=week&done={what}",
                            status_code=303)


def _nearby(factory: FactoryDep, who: Viewer, exc: FrontdeskError, service_id: uuid.UUID | None,
            resource_id: uuid.UUID | None, day: str, at: str) -> list[Alternative] | None:
    """Free times near the one refused (None: nothing to offer for this refusal)."""
    if not isinstance(exc, BookingRefused) or exc.code not in _OFFER_NEARBY or not service_id:
        return None
    with factory() as session:
        near = wall_clock(business_of(session, who), _day(day), _time(at))
    return alternatives(factory, who, service_id, resource_id, near)


def _book_page(request: Request, who: Viewer, session: SessionDep, form: dict[str, str],
               status_code: int = 200, **refusal: Any) -> Response:
    return page("appointment_book.html", language_of(request, who.language),
                status_code=status_code, who=who, choices=booking_choices(session, who),
                form=form, csrf=request.state.csrf, active="appointments",
                action=CALENDAR + "/new", refused_title="not_booked", **refusal)


@router.get(CALENDAR + "/new", response_class=HTMLResponse)
def book_form(request: Request, who: ViewerDep, session: SessionDep,
              day: Annotated[str, Query(max_length=10)] = "",
              at: Annotated[str, Query(alias="time", max_length=8)] = "",
              resource: Annotated[str, Query(max_length=36)] = "") -> Response:
    # A fresh key per form shown: the same form sent twice books once.
    return _book_page(request, who, session, {"day": day, "time": at, "resource_id": resource,
                                              "form_key": secrets.token_urlsafe(16)})


@router.post(CALENDAR + "/new", response_class=HTMLResponse)
def book(request: Request, who: ViewerDep, _: CsrfChecked, factory: FactoryDep,
         session: SessionDep, service_id: Field = "", day: Field = "",
         at: TimeField = "", resource_id: Field = "",
         customer_id: Field = "", name: Field = "", phone: Field = "",
         form_key: Field = "") -> Response:
    form = {"service_id": service_id, "day": day, "time": at, "resource_id": resource_id,
            "customer_id": customer_id, "name": name, "phone": phone, "form_key": form_key}
    service = resource = None
    try:
        service, resource = _id(service_id, "service"), _id(resource_id, "resource")
        if service is None:
            raise InvalidInput("Choose a service.", field="service")
        done = book_for(factory, who, NewBooking(
            service, _day(day), _time(at), resource, _id(customer_id, "customer"),
            name, phone, form_key))
    except Refused as exc:
        keep = {k: form[k] for k in ("service_id", "customer_id", "name", "phone", "form_key")}
        # The request's own session is first used here, after the refused write.
        return _book_page(request, who, session, form, exc.status, refused=_reason(exc),
                          nearby=_nearby(factory, who, exc, service, resource, day, at),
                          keep=keep)
    return _to_calendar(done, "booked")


def _card_page(template: str, request: Request, who: Viewer, card: AppointmentCard,
               form: dict[str, str], status_code: int = 200, **refusal: Any) -> Response:
    return page(template, language_of(request, who.language), status_code=status_code,
                who=who, card=card, form=form, csrf=request.state.csrf, active="appointments",
                action=f"{CALENDAR}/{card.id}/move", keep={}, **refusal)


def _as_typed(card: AppointmentCard) -> dict[str, str]:
    return {"day": card.start.date().isoformat(), "time": card.start.strftime("%H:%M"),
            "resource_id": str(card.resource_id)}


@router.get(CALENDAR + "/{appointment_id}/move", response_class=HTMLResponse)
def move_form(request: Request, who: ViewerDep, session: SessionDep,
              appointment_id: uuid.UUID) -> Response:
    card = appointment_card(session, who, appointment_id)
    return _card_page("appointment_move.html", request, who, card, _as_typed(card))


@router.post(CALENDAR + "/{appointment_id}/move", response_class=HTMLResponse)
def move(request: Request, who: ViewerDep, _: CsrfChecked, factory: FactoryDep,
         session: SessionDep, appointment_id: uuid.UUID, day: Field = "",
         at: TimeField = "",
         resource_id: Field = "") -> Response:
    resource = None
    try:
        resource = _id(resource_id, "resource")
        done = move_for(factory, who, appointment_id, _day(day), _time(at), resource)
    except Refused as exc:
        card = appointment_card(session, who, appointment_id)  # as stored: unchanged
        nearby = _nearby(factory, who, exc, card.service_id, resource, day, at)
        return _card_page("appointment_move.html", request, who, card,
                          {"day": day, "time": at, "resource_id": resource_id}, exc.status,
                          refused=_reason(exc), refused_title="not_moved", nearby=nearby)
    return _to_calendar(done, "moved")


@router.get(CALENDAR + "/{appointment_id}/cancel", response_class=HTMLResponse)
def cancel_form(request: Request, who: ViewerDep, session: SessionDep,
                appointment_id: uuid.UUID) -> Response:
    card = appointment_card(session, who, appointment_id)
    return _card_page("appointment_cancel.html", request, who, card, {})


@router.post(CALENDAR + "/{appointment_id}/cancel", response_class=HTMLResponse)
def cancel(request: Request, who: ViewerDep, _: CsrfChecked, factory: FactoryDep,
           session: SessionDep, appointment_id: uuid.UUID) -> Response:
    try:
        done = cancel_for(factory, who, appointment_id)
    except BookingRefused as exc:
        card = appointment_card(session, who, appointment_id)
        return _card_page("appointment_cancel.html", request, who, card, {}, exc.status,
                          refused=_reason(exc), refused_title="not_cancelled")
    return _to_calendar(done, "cancelled")

