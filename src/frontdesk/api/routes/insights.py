"""The business's figures over its last few days: what the dashboard's insights page
charts, for reporting tools (a read key is enough)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from frontdesk.api.insights_schemas import (
    BookingsOut,
    CallsOut,
    ChannelHandleTime,
    ChannelRateOut,
    DayBookings,
    DayCalls,
    HandleTimeOut,
    InsightsOut,
    NoShowsOut,
    TransferReasonOut,
)
from frontdesk.services.insights import MAX_DAYS, Insights, insights
from frontdesk.web.deps import SessionDep, TenantDep

router = APIRouter(prefix="/api/v1/insights", tags=["insights"])


@router.get("", response_model=InsightsOut, summary="Figures over the last days")
def get_insights(
    tenant: TenantDep, session: SessionDep,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="How many days, today "
                               "included, in the business's zone")] = 30,
) -> InsightsOut:
    """Bookings per day, booking rate by channel, phone calls handled and transferred,
    average conversation length, no-show rate and the top reasons for transfer."""
    return insights_out(insights(session, tenant, days))


def insights_out(f: Insights) -> InsightsOut:
    return InsightsOut(
        days=len(f.period.days), timezone=f.period.zone.key, first_day=f.period.first,
        last_day=f.period.last,
        bookings=BookingsOut(total=f.total_bookings, per_day=[
            DayBookings(day=d.day, count=d.count) for d in f.bookings]),
        channels=[ChannelRateOut(channel=c.channel, conversations=c.conversations,
                                 booked=c.booked, booking_rate=c.rate) for c in f.channels],
        calls=CallsOut(handled=f.calls_handled, transferred=f.calls_transferred, per_day=[
            DayCalls(day=c.day, handled=c.handled, transferred=c.transferred)
            for c in f.calls]),
        handle_time=HandleTimeOut(
            average_s=round(f.average_handle_s, 1),
            conversations=sum(h.conversations for h in f.handle_times),
            by_channel=[ChannelHandleTime(channel=h.channel, conversations=h.conversations,
                                          average_s=round(h.average_s, 1))
                        for h in f.handle_times]),
        no_shows=NoShowsOut(completed=f.no_shows.completed, no_show=f.no_shows.no_show,
                            rate=f.no_shows.rate),
        transfer_reasons=[TransferReasonOut(reason=r.reason, count=r.count)
                          for r in f.transfer_reasons],
    )
