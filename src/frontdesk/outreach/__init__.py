"""The dialer's decision core: whom may be called when, and how fast a campaign may dial.

Pure like ``scheduling/``: only the standard library and ``zoneinfo``, no I/O. The service
layer reads leads, attempts and the do-not-call list, hands them in as values, and stores
the answers (see docs/decisions/0028-contact-eligibility.md).
"""

from frontdesk.outreach.eligibility import (
    check_contact_at,
    may_contact_at,
    next_contact_time,
    not_before,
)
from frontdesk.outreach.holidays import SUPPORTED_COUNTRIES, is_public_holiday, public_holidays
from frontdesk.outreach.pacing import Pacing, next_start_time, starts_allowed_now
from frontdesk.outreach.types import (
    OUTER_WINDOW,
    Attempt,
    ContactPolicy,
    DayWindow,
    DoNotCall,
    Lead,
    Outcome,
    Refusal,
    RefusalReason,
)

__all__ = [
    "OUTER_WINDOW",
    "SUPPORTED_COUNTRIES",
    "Attempt",
    "ContactPolicy",
    "DayWindow",
    "DoNotCall",
    "Lead",
    "Outcome",
    "Pacing",
    "Refusal",
    "RefusalReason",
    "check_contact_at",
    "is_public_holiday",
    "may_contact_at",
    "next_contact_time",
    "next_start_time",
    "not_before",
    "public_holidays",
    "starts_allowed_now",
]
