"""The availability engine: pure functions from calendars and rules to bookable slots.

Only the standard library is imported here (no I/O, no ORM), so every function can be
tested offline and reused by the booking service, the dialogue tools and the dashboard.
"""

from frontdesk.scheduling.constraints import (
    HardConstraints,
    LocalWindow,
    SoftConstraints,
    allowed_intervals,
    availability_from_windows,
    soft_score,
)
from frontdesk.scheduling.group_slots import (
    BestSlot,
    GroupSlot,
    WhyChosen,
    choose_best_slot,
    rank_group_slots,
)
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
    "BestSlot",
    "BookingPolicy",
    "DateException",
    "GroupSlot",
    "HardConstraints",
    "Interval",
    "LocalWindow",
    "PartOfDay",
    "Refusal",
    "ResourceCalendar",
    "ServiceSpec",
    "Slot",
    "SlotCursor",
    "SlotPage",
    "SlotPreferences",
    "SoftConstraints",
    "WeeklyRule",
    "WhyChosen",
    "allowed_intervals",
    "availability_from_windows",
    "check_bookable",
    "choose_best_slot",
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
    "rank_group_slots",
    "rank_slots",
    "soft_score",
    "spread",
    "subtract",
    "working_intervals",
]
