"""Response models of the business's figures over its last few days (GET /insights)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class DayBookings(BaseModel):
    day: date
    count: int


class BookingsOut(BaseModel):
    total: int = Field(description="Appointments made in the period, whatever became of them")
    per_day: list[DayBookings]


class ChannelRateOut(BaseModel):
    channel: str
    conversations: int = Field(description="Conversations started in the period")
    booked: int = Field(description="Of those, how many ended in a booking")
    booking_rate: float = Field(ge=0, le=1, description="booked / conversations; 0 for none")


class DayCalls(BaseModel):
    day: date
    handled: int
    transferred: int


class CallsOut(BaseModel):
    handled: int = Field(description="Phone calls that ended without a transfer")
    transferred: int = Field(description="Phone calls handed to a person")
    per_day: list[DayCalls]


class ChannelHandleTime(BaseModel):
    channel: str
    conversations: int = Field(description="Ended conversations started in the period")
    average_s: float = Field(description="Their average length in seconds; 0 for none")


class HandleTimeOut(BaseModel):
    average_s: float = Field(description="Average length of ended conversations, seconds")
    conversations: int
    by_channel: list[ChannelHandleTime]


class NoShowsOut(BaseModel):
    completed: int = Field(description="Appointments due in the period and attended")
    no_show: int = Field(description="Appointments due in the period the customer missed")
    rate: float = Field(ge=0, le=1, description="no_show / (completed + no_show); 0 for none")


class TransferReasonOut(BaseModel):
    reason: str | None = Field(description="null: transfers with no reason on record")
    count: int


class InsightsOut(BaseModel):
    days: int
    timezone: str = Field(description="The business's zone, whose days these are")
    first_day: date
    last_day: date = Field(description="Today, in the business's zone")
    bookings: BookingsOut
    channels: list[ChannelRateOut]
    calls: CallsOut
    handle_time: HandleTimeOut
    no_shows: NoShowsOut
    transfer_reasons: list[TransferReasonOut] = Field(
        description="The most frequent reasons first (up to five), then the transfers "
                    "with no reason on record")
