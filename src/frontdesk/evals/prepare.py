"""A scenario's ``setup`` done through the REST API; the appointment book (and the codes
texted to callers) read back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from frontdesk.evals.client import Api, ApiError, expect_ok
from frontdesk.evals.scenario import AppointmentExpect, Setup

PAGE = 1000


class SetupError(RuntimeError):
    """The scenario's setup could not be done (its days, names or times do not fit)."""


@dataclass(frozen=True, slots=True)
class Booked:
    """An appointment as the eval compares it: local wall time, names, status."""

    id: str
    service: str
    resource: str
    start: datetime  # in the business's zone
    status: str
    customer: str | None

    def describe(self) -> str:
        return (f"{self.service} {self.start:%a %Y-%m-%d %H:%M} with {self.resource} "
                f"({self.status})")

    def matches(self, want: AppointmentExpect, anchor: date) -> bool:
        return (self.service.casefold() == want.service.casefold()
                and (self.start.date() - anchor).days in want.days()
                and (want.time is None or f"{self.start:%H:%M}" == want.time)
                and (want.resource is None or self.resource.casefold() == want.resource.casefold()))


def _by_name(items: list[dict[str, Any]], name: str, what: str) -> str:
    for item in items:
        if str(item["name"]).casefold() == name.casefold():
            return str(item["id"])
    known = ", ".join(str(i["name"]) for i in items)
    raise SetupError(f"no {what} named {name!r} (this business has: {known})")


def local(anchor: date, day: int, clock: str, tz: ZoneInfo) -> datetime:
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime.combine(anchor + timedelta(days=day), time(hour, minute), tzinfo=tz)


def apply_setup(api: Api, setup: Setup, anchor: date, tz: ZoneInfo) -> None:
    """Create the customers, book the appointments and fill the days of ``setup``."""
    services: list[dict[str, Any]] = expect_ok(api, "GET", "/api/v1/services")
    resources: list[dict[str, Any]] = expect_ok(api, "GET", "/api/v1/resources")
    try:
        for customer in setup.customers:
            body = {"phone": customer.phone, "name": customer.name, "language": customer.language}
            status, data = api.request("POST", "/api/v1/customers",
                                       body={k: v for k, v in body.items() if v is not None})
            if status == 409:  # a server that ran this scenario before already has them
                continue
            if status >= 400:
                raise ApiError("POST", "/api/v1/customers", status, data)
        for appt in setup.appointments:
            start = local(anchor, appt.day, appt.time, tz)
            request: dict[str, Any] = {
                "service_id": _by_name(services, appt.service, "service"),
                "start": start.isoformat(), "source": "dashboard"}
            if appt.resource:
                request["resource_id"] = _by_name(resources, appt.resource, "staff member")
            if appt.customer_phone:
                request["customer"] = {"phone": appt.customer_phone}
            expect_ok(api, "POST", "/api/v1/appointments", body=request)
        for fill in setup.fill_days:
            _fill_day(api, _by_name(services, fill.service, "service"), anchor + timedelta(
                days=fill.day))
    except ApiError as exc:
        raise SetupError(f"setup failed: {exc}") from exc


def _fill_day(api: Api, service_id: str, day: date) -> None:
    """Book every free start of ``service`` on ``day`` until none is left."""
    for _ in range(20):
        found = expect_ok(api, "GET", "/api/v1/availability", params={
            "service": service_id, "from": day.isoformat(), "to": day.isoformat()})
        slots = found["slots"]
        if not slots:
            return
        for slot in slots:  # earliest first; starts that now overlap are refused, skip them
            status, data = api.request("POST", "/api/v1/appointments", body={
                "service_id": service_id, "start": slot["start"],
                "resource_id": slot["resource_id"], "source": "dashboard",
                "notes": "eval: fill the day"})
            if status >= 400 and status not in (409, 422):
                raise ApiError("POST", "/api/v1/appointments", status, data)
    raise SetupError(f"could not fill {day}: slots kept appearing")


def snapshot(api: Api, tz: ZoneInfo) -> dict[str, Booked]:
    """Every appointment of the business (any status), by id."""
    out: dict[str, Booked] = {}
    offset = 0
    while True:
        page: list[dict[str, Any]] = expect_ok(api, "GET", "/api/v1/appointments",
                                               params={"limit": PAGE, "offset": offset})
        for a in page:
            out[str(a["id"])] = Booked(
                id=str(a["id"]), service=str(a["service_name"]), resource=str(a["resource_name"]),
                start=datetime.fromisoformat(str(a["start"])).astimezone(tz),
                status=str(a["status"]), customer=a.get("customer_name"))
        if len(page) < PAGE:
            return out
        offset += PAGE


def changed(before: dict[str, Booked], after: dict[str, Booked]) -> list[Booked]:
    """Appointments the call created, moved or cancelled."""
    return [b for key, b in after.items()
            if key not in before or (before[key].start, before[key].resource,
                                     before[key].status) != (b.start, b.resource, b.status)]


def cancel_upcoming_for(api: Api, phones: list[str], tz: ZoneInfo) -> int:
    """Server mode: cancel the booked upcoming appointments of these customers, so that a
    scenario's "known caller" starts with only what its setup books. Returns how many."""
    count = 0
    for phone in dict.fromkeys(phones):
        found = expect_ok(api, "GET", "/api/v1/customers", params={"phone": phone})
        for customer in found:
            booked = expect_ok(api, "GET", "/api/v1/appointments", params={
                "customer_id": customer["id"], "status": "booked",
                "from": datetime.now(tz).isoformat(), "limit": PAGE})
            for appointment in booked:
                expect_ok(api, "POST", f"/api/v1/appointments/{appointment['id']}/cancel")
                count += 1
    return count


def cancel_created(api: Api, before: dict[str, Booked], tz: ZoneInfo) -> int:
    """Server mode: cancel what a scenario booked (setup and call), freeing its times for the
    scenarios after it. Returns how many."""
    count = 0
    for key, appointment in snapshot(api, tz).items():
        if key not in before and appointment.status == "booked":
            status, data = api.request("POST", f"/api/v1/appointments/{key}/cancel")
            if status < 400:
                count += 1
    return count


_CODE = re.compile(r"\b(\d{6})\b")


def newest_code(api: Api) -> str | None:
    """The code in the newest verification text the business sent: what a caller asked
    for one reads on their phone (read through the REST API's outbox view)."""
    messages = expect_ok(api, "GET", "/api/v1/messages", params={"limit": 20})
    for message in messages if isinstance(messages, list) else []:
        if message.get("purpose") == "verification_code":
            found = _CODE.search(str(message.get("body") or ""))
            return found.group(1) if found else None
    return None
