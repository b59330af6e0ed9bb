"""Domain errors: a small hierarchy with a stable ``code`` and an HTTP status.

Services raise these; the API maps them to RFC 9457 problem+json in one place
(``frontdesk.web.problems``). ``detail`` is written for a person who can act on it: the
developer or operator reading the API's answer. A caller never hears it: the brain phrases
the ``code`` in the caller's language (``frontdesk.conversation.refusals``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class RefusalCode(StrEnum):
    """Every stable code a refusal the brain's tools hand back can carry.

    The one list the brain phrases, in English and Spanish, for callers: a service that
    refuses with a new code adds it here (and ``BookingRefused`` takes only these), and
    tests/conversation/test_refusal_phrasing.py fails until the code has its words.
    """

    # The scheduling core's verdicts on a time (``frontdesk.scheduling.Refusal``).
    TOO_SOON = "too_soon"
    TOO_FAR_AHEAD = "too_far_ahead"
    OUTSIDE_HOURS = "outside_hours"
    SLOT_TAKEN = "slot_taken"
    DAY_FULL = "day_full"
    # Booking rules (services/booking.py, services/availability.py).
    SERVICE_NOT_OFFERED = "service_not_offered"
    SERVICE_INACTIVE = "service_inactive"
    NOT_ACTIVE = "not_active"
    ALREADY_STARTED = "already_started"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    # Any service.
    NOT_FOUND = "not_found"
    INVALID_INPUT = "invalid_input"
    CONFLICT = "conflict"
    UNAUTHORIZED = "unauthorized"
    NOT_CONFIGURED = "not_configured"
    # Whose appointments a caller may read or change (services/caller_access.py) and
    # proving a stated number (services/phone_verification.py).
    VERIFICATION_REQUIRED = "verification_required"
    NOT_YOUR_APPOINTMENT = "not_your_appointment"
    RATE_LIMITED = "rate_limited"
    CANNOT_TEXT = "cannot_text"
    NO_CODE_PENDING = "no_code_pending"
    CODE_EXPIRED = "code_expired"
    TOO_MANY_TRIES = "too_many_tries"
    WRONG_CODE = "wrong_code"
    # The tools' own answers to a call they cannot run.
    NO_PHONE = "no_phone"
    INVALID_ARGUMENTS = "invalid_arguments"
    UNKNOWN_TOOL = "unknown_tool"
    # Anything else a lower layer raised: said as "that didn't work".
    UNAVAILABLE = "unavailable"


class FrontdeskError(Exception):
    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Request failed"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(FrontdeskError):
    code = RefusalCode.NOT_FOUND
    status = 404
    title = "Not found"


class InvalidInput(FrontdeskError):
    code = RefusalCode.INVALID_INPUT
    status = 422
    title = "Invalid input"


class Conflict(FrontdeskError):
    code = RefusalCode.CONFLICT
    status = 409
    title = "Conflict"


class Unauthorized(FrontdeskError):
    code = RefusalCode.UNAUTHORIZED
    status = 401
    title = "Missing or invalid API key"


class BookingRefused(FrontdeskError):
    """A booking, reschedule or cancellation the rules do not allow.

    ``code`` is per instance: one of the scheduling ``Refusal`` values or a booking rule
    (e.g. ``service_not_offered``, ``not_active``), always a ``RefusalCode``.
    """

    status = 409
    title = "Booking refused"

    def __init__(self, code: RefusalCode, detail: str, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.code = code  # type: ignore[misc]


class SlotTaken(BookingRefused):
    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(RefusalCode.SLOT_TAKEN, detail, **extra)


class IdempotencyMismatch(FrontdeskError):
    code = RefusalCode.IDEMPOTENCY_KEY_REUSED
    status = 422
    title = "Idempotency key reused with a different request"


class NotConfigured(FrontdeskError):
    """A provider this request needs has no credentials on this server (operator's fix)."""

    code = RefusalCode.NOT_CONFIGURED
    status = 503
    title = "Not configured on this server"
