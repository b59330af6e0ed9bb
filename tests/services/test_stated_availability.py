"""windows_from_text and record_availability: what a person says, stored per participant
(the service API the outbound conversation calls), on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from frontdesk.errors import Conflict, InvalidInput, NotFound
from frontdesk.scheduling.constraints import HardConstraints
from frontdesk.services import meeting_participants as participants
from frontdesk.services import meeting_requests as requests
from frontdesk.services.stated_availability import windows_from_text
from frontdesk.store.db import write_session
from tests.conftest import Business

TZ = "America/New_York"
NOW = datetime(2027, 3, 7, 9, 0, tzinfo=ZoneInfo(TZ))  # a Sunday
HARD = HardConstraints(window_start=datetime(2027, 3, 8, tzinfo=ZoneInfo(TZ)),
                       window_end=datetime(2027, 3, 20, tzinfo=ZoneInfo(TZ)), timezone=TZ,
                       earliest_time=None, latest_time=None)


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_days_in_words_are_clipped_to_the_hard_constraints() -> None:
    office = HardConstraints(window_start=HARD.window_start, window_end=HARD.window_end,
                             timezone=TZ, earliest_time=datetime.min.time().replace(hour=9),
                             latest_time=datetime.min.time().replace(hour=17))
    got = windows_from_text("Tuesday after 2 or Thursday morning", TZ, NOW, office)
    assert got == [(_utc(2027, 3, 9, 19), _utc(2027, 3, 9, 22)),  # 14:00-17:00 EST
                   (_utc(2027, 3, 11, 14), _utc(2027, 3, 11, 17))]  # 09:00-12:00


def test_the_persons_zone_reads_the_words() -> None:
    madrid = windows_from_text("el martes de 9 a 11", "Europe/Madrid", NOW, HARD)
    assert madrid == [(_utc(2027, 3, 9, 8), _utc(2027, 3, 9, 10))]


def test_a_rule_spans_the_whole_request_window_in_spanish() -> None:
    got = windows_from_text("cualquier día entre semana por la mañana menos el miércoles",
                            TZ, NOW, HARD)
    local = [a.astimezone(ZoneInfo(TZ)) for a, _ in got]
    assert [d.day for d in local] == [8, 9, 11, 12, 15, 16, 18, 19]
    assert all(b.astimezone(ZoneInfo(TZ)).hour == 12 for _, b in got)


@pytest.mark.parametrize("text", ["", "   ", "no idea, really", "next year in June"])
def test_nothing_usable_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        windows_from_text(text, TZ, NOW, HARD)


def test_record_availability_replaces_and_checks(
    factory: sessionmaker[Session], biz: Business
) -> None:
    with write_session(factory) as session:
        fields = requests.MeetingRequestFields(resource_id=biz.ana.id, duration_minutes=30,
                                               hard=HARD)
        request = requests.create_meeting_request(session, biz.tenant, fields)
        person = participants.add_participant(session, biz.tenant, request.id,
                                              participants.ParticipantFields(name="Rosa"))
        rid, pid = request.id, person.id
    said = windows_from_text("Monday 9 to 11 and Wednesday between 3 and 5pm", TZ, NOW, HARD)
    with write_session(factory) as session:
        participants.record_availability(session, biz.tenant, pid, said)
    with factory() as session:
        (row,) = participants.list_participants(session, biz.tenant, rid)
        assert participants.availability_of(row) == said
    with write_session(factory) as session, pytest.raises(InvalidInput):
        participants.record_availability(session, biz.tenant, pid,
                                         [(_utc(2027, 3, 9, 12), _utc(2027, 3, 9, 11))])
    with write_session(factory) as session, pytest.raises(NotFound):
        participants.record_availability(session, biz.tenant, rid, said)  # not a participant
    with write_session(factory) as session:
        requests.cancel_meeting_request(session, biz.tenant, rid)
    with write_session(factory) as session, pytest.raises(Conflict):
        participants.record_availability(session, biz.tenant, pid, said)
    with factory() as session:
        (row,) = participants.list_participants(session, biz.tenant, rid)
        assert participants.availability_of(row) == said  # refusals changed nothing


def test_windows_are_bounded() -> None:
    class Request:
        hard_constraints = requests.hard_json(HARD)

    one = (_utc(2027, 3, 9, 12), _utc(2027, 3, 9, 13))
    with pytest.raises(InvalidInput, match="At most 50"):
        participants.checked_windows(Request(), [one] * 51)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="31 days"):
        participants.checked_windows(  # type: ignore[arg-type]
            Request(), [(one[0], one[0] + timedelta(days=40))])
    # Joined and sorted.
    later = (_utc(2027, 3, 9, 13), _utc(2027, 3, 9, 14))
    assert participants.checked_windows(Request(), [later, one]) == [  # type: ignore[arg-type]
        (one[0], later[1])]
