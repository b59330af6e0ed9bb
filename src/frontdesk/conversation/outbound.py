"""The outbound conversation: a call the business placed, or a text back to a campaign's
follow-up (issue 12).

It opens with the disclosure (``personas.OUTBOUND``: an automated assistant, on whose
behalf, what about, how to opt out) and, for a campaign, concrete times for its meeting
request (``services.meeting_offers``: inside the hard constraints, ranked by the soft
ones). What the person answers may end the call with an outcome: "not interested" is
declined, "call me back tomorrow at 3" a callback at that time in THEIR zone, "wrong
number" a wrong number ("stop calling me" stays the policy's, as on every call). A pick
among the offers goes on through the ordinary booking flow (read-back, the ``book``
tool); a "no", or times of their own that no free slot fits, has the agent ask when they
are free and store it on their meeting participant.

The agent keeps each outcome on the conversation and, for a campaign, on its lead (the
attempt for a call) in the turn's own transaction (``Agent._turn``, ``OUTCOMES``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from frontdesk.conversation.booking_flow import book_flow, pick_offer
from frontdesk.conversation.context import Decision, TurnContext
from frontdesk.conversation.personas import OUTBOUND
from frontdesk.conversation.phrases import say
from frontdesk.conversation.speech import say_when
from frontdesk.conversation.state import DialogueState, OfferedSlot
from frontdesk.conversation.wording import say_options, when_said
from frontdesk.nlu.timeparse import parse_time
from frontdesk.nlu.types import Intent, Understanding
from frontdesk.outreach import Outcome
from frontdesk.scheduling.types import Interval
from frontdesk.services import meeting_offers
from frontdesk.services.meeting_offers import MeetingSlot

# The conversation's outcomes that are also a campaign's (the column holds 16 characters:
# "callback" is a callback requested).
OUTCOMES = {
    "booked": Outcome.BOOKED,
    "declined": Outcome.DECLINED,
    "callback": Outcome.CALLBACK_REQUESTED,
    "wrong_number": Outcome.WRONG_NUMBER,
    "opted_out": Outcome.OPTED_OUT,
}
# Answers that end a call we placed: the rules decide them (an LLM brain defers).
ENDING = (Intent.WRONG_NUMBER, Intent.CALLBACK, Intent.DECLINE)
MAX_UNREAD_AVAILABILITY = 2


def opening(
    state: DialogueState,
    ctx: TurnContext,
    lang: str,
    *,
    name: str | None,
    about: str | None,
) -> str:
    """The first words of a call we placed: the disclosure's four parts, then the offer
    (a campaign), what the call is about (``about``: the next appointment), or a question."""
    state.outbound = True
    campaign = ctx.campaign
    name = name or (campaign.lead_name if campaign else None)
    topic = campaign.topic if campaign else OUTBOUND.generic_topic[lang]
    hello = OUTBOUND.disclosure[lang].format(
        name=f" {name.split()[0]}" if name else "", business=ctx.tenant.name, topic=topic)
    disclosed = f"{hello} {OUTBOUND.opt_out_hint[lang]}"
    if campaign is not None:
        return f"{disclosed} {offer_meeting(state, ctx, lang).text}"
    return f"{disclosed} {about or say('how_can_i_help', lang)}"


def decides(state: DialogueState, u: Understanding, ctx: TurnContext) -> bool:
    """Whether this turn is the outbound rules' to answer (an LLM brain defers): every
    campaign turn (its offers keep to the meeting request's constraints), and an answer
    that ends any call we placed."""
    if ctx.campaign is not None:
        return True
    return state.outbound and any(u.has(i) for i in ENDING)


def outbound_answer(state: DialogueState, u: Understanding, ctx: TurnContext
                    ) -> Decision | None:
    """The outbound answer to this turn, or None: the ordinary policy answers it."""
    if not (state.outbound or ctx.campaign is not None):
        return None
    lang = u.lang
    if u.has(Intent.WRONG_NUMBER):
        return _end(state, "wrong_number", say("wrong_number", lang))
    if u.has(Intent.CALLBACK):
        at = callback_time(u, ctx)
        if at is None:
            return _end(state, "callback", say("callback_later", lang))
        spoken = say_when(at.astimezone(_zone(ctx)), ctx.now.astimezone(_zone(ctx)).date(), lang)
        return _end(state, "callback", say("callback_at", lang, when=spoken), callback_at=at)
    if u.has(Intent.DECLINE):
        return _end(state, "declined", say("declined", lang))
    if ctx.campaign is None or state.goal not in (None, "book"):
        return None
    if state.awaiting == "availability":
        return _their_times(state, u, ctx)
    if _our_offer(state, ctx) and state.awaiting in ("choice", "time"):
        if state.awaiting == "choice" and (picked := pick_offer(state, u, ctx)) is not None:
            state.chosen = picked
            return book_flow(state, u, ctx)  # read back, then the ``book`` tool
        if u.times:
            return _their_times(state, u, ctx)
        if u.has(Intent.NO) or u.has(Intent.AVAILABILITY) or state.awaiting == "time":
            return ask_availability(state, lang)
        return None
    if state.goal is None and state.awaiting is None:
        if u.times:
            return _their_times(state, u, ctx)
        if u.has(Intent.YES) or u.has(Intent.BOOK) or u.has(Intent.AVAILABILITY):
            return offer_meeting(state, ctx, lang)
    return None


def offer_meeting(state: DialogueState, ctx: TurnContext, lang: str,
                  slots: list[MeetingSlot] | None = None) -> Decision:
    """Offer free times for the campaign's meeting request, or ask when the person is
    free when there are none."""
    campaign = ctx.campaign
    assert campaign is not None
    if slots is None:
        slots = meeting_offers.meeting_slots(ctx.tools.ctx.factory, ctx.tenant, campaign,
                                             now=ctx.now)
    if not slots or campaign.service_id is None:
        return ask_availability(state, lang)
    state.goal, state.service_id = "book", str(campaign.service_id)
    state.name = state.name or campaign.lead_name
    state.time, state.chosen, state.awaiting = None, None, "choice"
    state.offered = [OfferedSlot(s.start.astimezone(ctx.tz).isoformat(),
                                 s.end.astimezone(ctx.tz).isoformat(), str(s.resource_id),
                                 s.resource_name) for s in slots]
    if len(state.offered) == 1:
        offer = state.offered[0]
        return Decision(say("meeting_offer_one", lang, when=when_said(offer.start, ctx, lang),
                            resource=offer.resource_name))
    return Decision(say("meeting_offer_many", lang,
                        options=say_options(state.offered, ctx, lang)))


def ask_availability(state: DialogueState, lang: str) -> Decision:
    state.goal, state.awaiting = "book", "availability"
    state.reset_booking()
    return Decision(say("meeting_ask_availability", lang))


def callback_time(u: Understanding, ctx: TurnContext) -> datetime | None:
    """The time the person asked to be called back at, read by the engine's own time
    grammar in THEIR zone ("tomorrow at 3" is 3 PM where they are), in UTC; None when
    they named none, or one already past."""
    zone = _zone(ctx)
    for mention in parse_time(u.text, now=ctx.now.astimezone(zone), lang=u.lang,
                              business_hours=True):
        at = mention.value if mention.kind == "instant" else mention.start_at
        if at is not None and at > ctx.now:
            return at.astimezone(UTC)
    return None


def _their_times(state: DialogueState, u: Understanding, ctx: TurnContext) -> Decision:
    """The person said when they are free (or named a time of their own): offer what
    fits inside it, and keep it on their participant row either way."""
    campaign = ctx.campaign
    assert campaign is not None
    lang = u.lang
    windows = meeting_offers.stated_windows(campaign, u.text, ctx.now)
    if not windows:
        if state.awaiting != "availability":
            return ask_availability(state, lang)
        state.misunderstood += 1
        if state.misunderstood >= MAX_UNREAD_AVAILABILITY:
            return _end(state, "callback", say("callback_later", lang))
        return Decision(say("meeting_availability_again", lang), reask=True)
    meeting_offers.save_availability(ctx.tools.ctx.factory, ctx.tenant, campaign, windows)
    slots = meeting_offers.meeting_slots(ctx.tools.ctx.factory, ctx.tenant, campaign,
                                         now=ctx.now, within=windows)
    if slots:
        return offer_meeting(state, ctx, lang, slots)
    # Nothing free fits yet: the business books from what they said (group scheduling),
    # and the dialer tries again when they said they are free.
    return _end(state, "callback", say("meeting_availability_noted", lang),
                callback_at=_first_future(windows, ctx.now))


def _our_offer(state: DialogueState, ctx: TurnContext) -> bool:
    """The booking in progress is the campaign's meeting (not something else asked for)."""
    campaign = ctx.campaign
    return (state.goal == "book" and campaign is not None
            and state.service_id == str(campaign.service_id))


def _end(state: DialogueState, outcome: str, text: str, *,
         callback_at: datetime | None = None) -> Decision:
    state.done, state.outcome, state.awaiting = True, outcome, None
    return Decision(text, outcome=outcome, end=True, callback_at=callback_at)


def _zone(ctx: TurnContext) -> ZoneInfo:
    """The person's zone: the lead's on a campaign, else the business's."""
    return ZoneInfo(ctx.campaign.timezone) if ctx.campaign is not None else ctx.tz


def _first_future(windows: list[Interval], now: datetime) -> datetime | None:
    return next((max(start, now).astimezone(UTC) for start, end in windows if end > now), None)
