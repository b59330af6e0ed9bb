"""The insights page's charts, drawn from a business's figures in the viewer's words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from frontdesk.dashboard import charts
from frontdesk.services.insights import Insights


def percent(share: float) -> str:
    return f"{share:.0%}"


def minutes(seconds: float) -> str:
    """A length a person reads at once: ``3 min 05 s`` (the same in English and Spanish)."""
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60:02d} s" if whole >= 60 else f"{whole} s"


@dataclass(frozen=True, slots=True)
class InsightCharts:
    bookings: Markup
    rates: Markup
    calls: Markup
    handle: Markup
    reasons: Markup | None  # None: nobody was transferred


def draw(figures: Insights, t: dict[str, str]) -> InsightCharts:
    days = figures.period.days
    n = len(days)

    def day(d: date) -> str:
        return d.strftime(t["ins_date_short"])

    handled, transferred = t["ins_handled"], t["ins_transferred"]
    reasons = [(r.reason.capitalize() if r.reason else t["ins_not_recorded"], float(r.count))
               for r in figures.transfer_reasons]
    return InsightCharts(
        bookings=charts.columns(
            [day(d.day) for d in figures.bookings], [charts.Series(t["booked"], charts.BLUE)],
            [[d.count] for d in figures.bookings], ident="chart-bookings",
            title=t["ins_bookings_per_day"],
            desc=t["ins_desc_bookings"].format(total=figures.total_bookings, days=n)),
        rates=charts.bars(
            [(c.channel, c.rate) for c in figures.channels], ident="chart-rates",
            title=t["ins_rate_by_channel"], desc=t["ins_desc_rates"], shown=percent,
            maximum=1.0),
        calls=charts.columns(
            [day(d) for d in days],
            [charts.Series(handled, charts.BLUE), charts.Series(transferred, charts.RED)],
            [[c.handled, c.transferred] for c in figures.calls], ident="chart-calls",
            title=t["ins_calls_per_day"],
            desc=t["ins_desc_calls"].format(handled=figures.calls_handled,
                                            transferred=figures.calls_transferred, days=n)),
        handle=charts.bars(
            [(h.channel, h.average_s) for h in figures.handle_times], ident="chart-handle",
            title=t["ins_handle_by_channel"],
            desc=t["ins_desc_handle"].format(average=minutes(figures.average_handle_s)),
            shown=minutes),
        reasons=charts.bars(
            reasons, ident="chart-reasons", title=t["ins_reasons"], desc=t["ins_desc_reasons"],
            colour=charts.RED) if reasons else None,
    )
