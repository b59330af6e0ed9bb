"""Domain errors: a small hierarchy with a stable ``code`` and an HTTP status.

Services raise these; the API maps them to RFC 9457 problem+json in one place
(``frontdesk.api.problems``). ``detail`` is written for a person who can act on it.
"""

from __future__ import annotations

from typing import Any, ClassVar


class FrontdeskError(Exception):
    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Request failed"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(FrontdeskError):
    code = "not_found"
    status = 404
    title = "Not found"


class InvalidInput(FrontdeskError):
    code = "invalid_input"
    status = 422
    title = "Invalid input"


class Conflict(FrontdeskError):
    code = "conflict"
    status = 409
    title = "Conflict"


class Unauthorized(FrontdeskError):
    code = "unauthorized"
    status = 401
    title = "Missing or invalid API key"


class BookingRefused(FrontdeskError):
    """A booking, reschedule or cancellation the rules do not allow.

    ``code`` is per instance: one of the scheduling ``Refusal`` values or a booking rule
    (e.g. ``service_not_offered``, ``not_active``).
    """

    status = 409
    title = "Booking refused"

    def __init__(self, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.code = code  # type: ignore[misc]


class SlotTaken(BookingRefused):
    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__("slot_taken", detail, **extra)


class IdempotencyMismatch(FrontdeskError):
    code = "idempotency_key_reused"
    status = 422
    title = "Idempotency key reused with a different request"


class NotConfigured(FrontdeskError):
    """A provider this request needs has no credentials on this server (operator's fix)."""

    code = "not_configured"
    status = 503
    title = "Not configured on this server"
