"""The inline SVG charts: bars scale to their values, nothing breaks at all zeros, every
label is escaped, and each chart is a named image."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from frontdesk.dashboard import charts

SVG = "{http://www.w3.org/2000/svg}"


def _tree(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # also proves the SVG is well-formed XML


def _filled(root: ET.Element, colour: str) -> list[ET.Element]:
    """The bars of one colour (the legend's swatches are in a group of their own)."""
    return [r for r in root.findall(SVG + "rect") if r.get("fill") == colour]


@pytest.mark.parametrize(("value", "top"), [
    (0, 1), (-3, 1), (0.3, 0.5), (1, 1), (3, 5), (7, 10), (10, 10), (11, 20), (250, 500)])
def test_axis_tops_are_round_numbers(value: float, top: float) -> None:
    assert charts.nice_ceiling(value) == pytest.approx(top)


def test_columns_scale_to_their_values() -> None:
    svg = charts.columns(["a", "b", "c"], [charts.Series("n", charts.BLUE)], [[10], [5], [0]],
                         ident="x", title="T", desc="D")
    heights = [float(r.get("height", 0)) for r in _filled(_tree(svg), charts.BLUE)]
    assert len(heights) == 2  # nothing drawn for a zero
    assert heights[0] == pytest.approx(2 * heights[1])
    assert heights[0] == pytest.approx(240 - 30 - 24)  # 10 is the axis top: a full column


def test_counts_never_show_half_a_thing_on_the_axis() -> None:
    one = charts.columns(["a"], [charts.Series("n", charts.BLUE)], [[1]], ident="o",
                         title="T", desc="D")
    ticks = [t.text for t in _tree(one).iter(SVG + "text") if t.get("text-anchor") == "end"]
    assert ticks == ["0", "1", "2"]
    hours = charts.columns(["a"], [charts.Series("h", charts.BLUE)], [[1]], ident="h",
                           title="T", desc="D", whole=False)
    assert "0.5" in str(hours)


def test_stacked_columns_put_each_series_on_the_one_below() -> None:
    series = [charts.Series("handled", charts.BLUE), charts.Series("transferred", charts.RED)]
    root = _tree(charts.columns(["d"], series, [[3, 1]], ident="c", title="T", desc="D"))
    (low,), (high,) = _filled(root, charts.BLUE), _filled(root, charts.RED)
    assert float(high.get("y", 0)) + float(high.get("height", 0)) == pytest.approx(
        float(low.get("y", 0)))
    assert float(low.get("height", 0)) == pytest.approx(3 * float(high.get("height", 0)))
    legend = [t.text for t in root.iter(SVG + "text")]
    assert "handled" in legend and "transferred" in legend


def test_bars_scale_to_their_maximum() -> None:
    root = _tree(charts.bars([("phone", 0.5), ("chat", 1.0), ("sms", 0.0)], ident="r",
                             title="T", desc="D", shown=lambda v: f"{v:.0%}", maximum=1.0))
    widths = [float(r.get("width", 0)) for r in _filled(root, charts.BLUE)]
    assert len(widths) == 2 and widths[1] == pytest.approx(2 * widths[0])
    texts = [t.text for t in root.iter(SVG + "text")]
    assert texts == ["phone", "50%", "chat", "100%", "sms", "0%"]


def test_all_zeros_and_no_rows_draw_empty_charts() -> None:
    zeros = charts.columns([str(d) for d in range(90)], [charts.Series("n", charts.BLUE)],
                           [[0]] * 90, ident="z", title="T", desc="D")
    none = charts.bars([], ident="n", title="T", desc="D")
    for svg in (zeros, none):
        root = _tree(svg)
        assert _filled(root, charts.BLUE) == []
        assert "nan" not in str(svg).lower() and "inf" not in str(svg).lower()
    # 90 days: the axis shows only some of them, never a pile of overlapping dates.
    days = [t.text for t in _tree(zeros).iter(SVG + "text") if t.get("text-anchor") == "middle"]
    assert 1 < len(days) <= 7


def test_each_chart_is_a_named_image_whose_text_is_escaped() -> None:
    said = '<script>alert("x")</script> & a very long reason indeed'
    svg = str(charts.bars([(said, 2)], ident="why", title="Reasons <1>", desc="How & why"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    root = _tree(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "why-t why-d"
    assert root.find(SVG + "title").text == "Reasons <1>"  # type: ignore[union-attr]
    assert root.find(SVG + "desc").text == "How & why"  # type: ignore[union-attr]
    label = next(t.text for t in root.iter(SVG + "text") if t.get("text-anchor") == "end")
    assert label is not None and len(label) <= 24 and label.endswith("…")
    assert not re.search(r"\sstyle=|<script", svg)
