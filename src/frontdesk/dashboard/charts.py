"""Charts drawn on the server as inline SVG: columns (stacked when there are several
series) and horizontal bars. No script and no style attribute, so they work under the
pages' strict CSP; colours are SVG presentation attributes, which CSP does not govern.

Each chart is an image with a name (``<title>``) and a summary (``<desc>``): the page
puts the numbers in a table beside it, for screen readers and for small screens (ADR
0042). Every piece of text is escaped: labels can be what a caller or an LLM said.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 480
INK, MUTED, GRID = "#1b1f24", "#4a5360", "#d6dbe1"
# Blue and dark red: told apart by the colour-blind too, each over 4.5:1 on white.
BLUE, RED = "#0b57d0", "#a4161a"
FONT = 14
# About how wide a character of the page's sans-serif font is at FONT (an estimate: the
# server cannot measure text, so labels are cut to a length that fits).
_CHAR_W = 7.8
_MAX_X_LABELS = 7
_LABEL_CHARS = 22


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    colour: str


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (1 for nothing):
    the top of an axis a person reads at a glance."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value * (1 - 1e-9):
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _short(text: str) -> str:
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


def _open(ident: str, height: float, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:g}" '
        f'width="100%" role="img" focusable="false" '
        f'aria-labelledby="{escape(ident)}-t {escape(ident)}-d">',
        f'<title id="{escape(ident)}-t">{escape(title)}</title>',
        f'<desc id="{escape(ident)}-d">{escape(desc)}</desc>',
    ]


def _text(x: float, y: float, text: str, *, anchor: str = "start",
          colour: str = MUTED) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{FONT}" fill="{colour}" '
            f'text-anchor="{anchor}">{escape(text)}</text>')


def _legend(series: Sequence[Series], y: float) -> list[str]:
    parts, x = ['<g class="legend">'], 40.0
    for s in series:
        parts.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="10" height="10" '
                     f'fill="{s.colour}"/>')
        parts.append(_text(x + 14, y, s.name, colour=INK))
        x += 14 + _CHAR_W * len(s.name) + 16
    return [*parts, "</g>"]


def columns(labels: Sequence[str], series: Sequence[Series],
            values: Sequence[Sequence[float]], *, ident: str, title: str, desc: str,
            tick: Callable[[float], str] = number, whole: bool = True) -> Markup:
    """One column per label, its ``values`` (one per series) stacked from the bottom;
    with one series, a plain bar chart. Labels thin out so that at most seven show.
    ``whole``: the values are counts, so the middle gridline is a whole number too."""
    top, bottom, left, right, height = 30.0, 24.0, 40.0, 8.0, 240.0
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    peak = nice_ceiling(max((sum(max(v, 0) for v in vs) for vs in values), default=0))
    if whole and not (peak / 2).is_integer():
        peak *= 2  # 1 -> 2, 5 -> 10: no "0.5 bookings" on the axis
    out = _open(ident, height, title, desc)
    for share in (0.0, 0.5, 1.0):  # gridlines at nothing, half and the top
        y = top + plot_h * (1 - share)
        out.append(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{WIDTH - right:.1f}" '
                   f'y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        out.append(_text(left - 4, y + 4, tick(peak * share), anchor="end"))
    if len(series) > 1:
        out += _legend(series, 16)
    slot = plot_w / max(len(labels), 1)
    every = math.ceil(len(labels) / _MAX_X_LABELS) if labels else 1
    for i, (label, stack) in enumerate(zip(labels, values, strict=True)):
        x, base = left + i * slot + slot * 0.15, top + plot_h
        for s, value in zip(series, stack, strict=True):
            h = plot_h * max(value, 0) / peak
            if h > 0:
                base -= h
                out.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{slot * 0.7:.1f}" '
                           f'height="{h:.1f}" fill="{s.colour}"/>')
        if i % every == 0:
            out.append(_text(left + (i + 0.5) * slot, height - 6, label, anchor="middle"))
    out.append("</svg>")
    return Markup("".join(out))


def bars(rows: Sequence[tuple[str, float]], *, ident: str, title: str, desc: str,
         shown: Callable[[float], str] = number, maximum: float | None = None,
         colour: str = BLUE) -> Markup:
    """One horizontal bar per row, its label on the left and its value at its end.
    ``maximum``: the value of a full bar (1.0 for rates); else a round number above the
    largest."""
    row_h, label_w = 30.0, _LABEL_CHARS * _CHAR_W + 8
    value_w = max((len(shown(v)) for _, v in rows), default=1) * _CHAR_W + 12
    height = max(len(rows), 1) * row_h + 8
    full = maximum if maximum and maximum > 0 else nice_ceiling(
        max((v for _, v in rows), default=0))
    span = WIDTH - label_w - value_w
    out = _open(ident, height, title, desc)
    for i, (label, value) in enumerate(rows):
        y = 4 + i * row_h
        w = span * min(max(value, 0) / full, 1.0)
        out.append(_text(label_w - 6, y + 20, _short(label), anchor="end", colour=INK))
        out.append(f'<rect x="{label_w:.1f}" y="{y + 5:.1f}" width="{span:.1f}" '
                   f'height="20" fill="none" stroke="{GRID}" stroke-width="1"/>')
        if w > 0:
            out.append(f'<rect x="{label_w:.1f}" y="{y + 5:.1f}" width="{w:.1f}" '
                       f'height="20" fill="{colour}"/>')
        out.append(_text(label_w + span + 6, y + 20, shown(value), colour=INK))
    out.append("</svg>")
    return Markup("".join(out))
