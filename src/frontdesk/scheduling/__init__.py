"""The availability engine: pure functions from calendars and rules to bookable slots.

Only the standard library is imported here (no I/O, no ORM), so every function can be
tested offline and reused by the booking service, the dialogue tools and the dashboard.
"""

from frontdesk.scheduling.hours import working_intervals
from frontdesk.scheduling.intervals import clip, intersect, merge, overlaps, subtract
from frontdesk.scheduling.ranking import distinct_starts, part_of_day, rank_slots, spread
from frontdesk.scheduling.slot_stream import (
    SlotCursor,
    SlotPage,
    iter_open_slots,
    open_slot_page,
    scan_slot_page,
)
from frontdesk.scheduling.slots import check_bookable, find_open_slots
from frontdesk.scheduling.types import (
    BookingPolicy,
    DateException,
    Interval,
    PartOfDay,
    Refusal,
    ResourceCalendar,
    ServiceSpec,
    Slot,
    SlotPreferences,
    WeeklyRule,
)

__all__ = [
    "BookingPolicy",
    "DateException",
    "Interval",
    "PartOfDay",
    "Refusal",
    "ResourceCalendar",
    "ServiceSpec",
    "Slot",
    "SlotCursor",
    "SlotPage",
    "SlotPreferences",
    "WeeklyRule",
    "check_bookable",
    "clip",
    "distinct_starts",
    "find_open_slots",
    "intersect",
    "iter_open_slots",
    "merge",
    "open_slot_page",
    "overlaps",
    "part_of_day",
    "scan_slot_page",
    "rank_slots",
    "spread",
    "subtract",
    "working_intervals",
]
