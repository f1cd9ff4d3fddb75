"""The SVG charts of /stats/, drawn at build time: no script and no chart library in the page.

Charts are built as ElementTree elements and serialized by it, so every piece of user text (a
source's name, a date label) is escaped by the serializer, never by hand. Each chart is an
`<svg role="img">` named by its own `<title>` and `<desc>`, whose viewBox lets it shrink to a
phone's width. Colours are `currentColor` and the classes that the theme's stylesheet gives the
colours of its scheme (light or dark), never fixed values.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from .dates import MONTH_NAMES
from .stats import Period, SourceTotal, Stats

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 400  # viewBox units: about a phone's width, so 12-unit text stays near 12 px there
FONT = 12
CHAR = 7.0  # a generous average width of a character at FONT, to fit labels without a browser
MAX_TICKS = 5  # labels under a time axis


@dataclass(frozen=True, slots=True)
class Chart:
    svg: Markup  # the <svg> element, ready to print
    caption: str  # the chart's numbers in a sentence: its <desc> and the page's <figcaption>


@dataclass(frozen=True, slots=True)
class PeriodRow:
    """A line of the table under the charts over time."""

    label: str
    period: Period


def stats_charts(stats: Stats) -> dict[str, Chart]:
    """The page's charts by name; none for a site without articles."""
    if not stats.periods:
        return {}
    unit, periods = stats.unit, stats.periods
    labels = [period_label(p.start, unit) for p in periods]
    ticks = tick_labels([p.start for p in periods], unit)
    busiest = max(periods, key=lambda p: p.articles)  # the first of equals: the oldest
    longest = max(periods, key=lambda p: p.minutes)
    span = (f"over {plural(len(periods), unit)} "
            f"({period_label(periods[0].start, unit, short=True)} to "
            f"{period_label(periods[-1].start, unit, short=True)})")
    return {
        "articles": column_chart(
            "chart-articles", f"Articles per {unit}",
            f"{plural(stats.articles, 'article')} {span}; the most, "
            f"{busiest.articles:,}, in {_the(busiest.start, unit)}.",
            [(p.articles, f"{label}: {plural(p.articles, 'article')}")
             for p, label in zip(periods, labels, strict=True)],
            ticks),
        "minutes": column_chart(
            "chart-minutes", f"Reading time per {unit}, in minutes",
            f"{plural(stats.minutes, 'minute')} of reading {span}; the most, "
            f"{plural(longest.minutes, 'minute')}, in {_the(longest.start, unit)}.",
            [(p.minutes, f"{label}: {plural(p.minutes, 'minute')}")
             for p, label in zip(periods, labels, strict=True)],
            ticks),
        "sources": source_chart(
            "chart-sources", "Articles and words per source", stats.sources),
    }


def period_rows(stats: Stats) -> tuple[PeriodRow, ...]:
    """The table's lines, labelled under the heading `PERIOD_HEADINGS[stats.unit]`."""
    short = stats.unit == "week"
    return tuple(PeriodRow(period_label(p.start, stats.unit, short), p) for p in stats.periods)


PERIOD_HEADINGS = {"week": "Week of", "month": "Month", "year": "Year"}


def period_label(start: date, unit: str, short: bool = False) -> str:
    """"Week of 4 Sep 2023", "September 2023", "2023"; short: "4 Sep 2023", "Sep 2023"."""
    month = MONTH_NAMES[start.month - 1]
    if unit == "week":
        day = f"{start.day} {month[:3]} {start.year}"
        return day if short else f"Week of {day}"
    if unit == "month":
        return f"{month[:3] if short else month} {start.year}"
    return str(start.year)


def _the(start: date, unit: str) -> str:
    """How a sentence names a period after "in": "the week of 4 Sep 2023", "September 2023"."""
    if unit == "week":
        return f"the week of {period_label(start, unit, short=True)}"
    return period_label(start, unit)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def column_chart(chart_id: str, title: str, caption: str, bars: Sequence[tuple[int, str]],
                 ticks: dict[int, str]) -> Chart:
    """Vertical bars over time, each a value and its tooltip; a scale on the left, and under
    the axis the `ticks`, labels by the index of their bar."""
    left, right, top, bottom = 40.0, WIDTH - 4.0, 8.0, 140.0
    svg = _svg(chart_id, title, caption, 162)
    peak = max((value for value, _ in bars), default=0)
    step, scale_top = nice_scale(peak)
    for tick in range(step, scale_top + 1, step):
        y = bottom - (bottom - top) * tick / scale_top
        _line(svg, left, y, right, y, "grid")
        _text(svg, left - 6, y + 4, f"{tick:,}", anchor="end", cls="tick")
    _text(svg, left - 6, bottom + 4, "0", anchor="end", cls="tick")
    slot = (right - left) / len(bars)
    width = min(slot * 0.8, 28.0)
    for i, (value, tooltip) in enumerate(bars):
        if value:
            height = (bottom - top) * value / scale_top
            rect = _rect(svg, left + i * slot + (slot - width) / 2, bottom - height, width,
                         height, "bar")
            ET.SubElement(rect, "title").text = tooltip
    _line(svg, left, bottom, right, bottom, "axis")
    for i, tick_label in ticks.items():
        x = left + (i + 0.5) * slot
        anchor = "middle"
        if len(bars) > 1 and i == 0:
            x, anchor = left, "start"
        elif len(bars) > 1 and i == len(bars) - 1:
            x, anchor = right, "end"
        _text(svg, x, bottom + 17, tick_label, anchor=anchor, cls="tick")
    return Chart(_markup(svg), caption)


def tick_labels(starts: Sequence[date], unit: str) -> dict[int, str]:
    """Labels under a time axis by bar: at most MAX_TICKS, the first and the last among them.
    A week's label names its year only at the ends and where the year changes, to stay short."""
    labels: dict[int, str] = {}
    indices = tick_indices(len(starts))
    for n, i in enumerate(indices):
        label = period_label(starts[i], unit, short=True)
        if unit == "week" and 0 < n < len(indices) - 1 \
                and starts[i].year == starts[indices[n - 1]].year:
            label = label.rsplit(" ", 1)[0]
        labels[i] = label
    return labels


def tick_indices(count: int) -> list[int]:
    """The bars labelled under a time axis: the first, the last, and evenly spread between."""
    if count <= MAX_TICKS:
        return list(range(count))
    return sorted({round(i * (count - 1) / (MAX_TICKS - 1)) for i in range(MAX_TICKS)})


def nice_scale(peak: int, ticks: int = 4) -> tuple[int, int]:
    """A step of 1, 2 or 5 times a power of ten giving at most `ticks` gridlines, and the top of
    the scale (the first multiple of the step at or over the peak)."""
    peak, magnitude = max(peak, 1), 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            if math.ceil(peak / step) <= ticks:
                return step, math.ceil(peak / step) * step
        magnitude *= 10


def source_chart(chart_id: str, title: str, sources: Sequence[SourceTotal]) -> Chart:
    """Two panels of horizontal bars on the same rows: articles, then words, per source."""
    caption = "; ".join(f"{s.name}: {plural(s.articles, 'article')}, {plural(s.words, 'word')}"
                        for s in sources) + "."
    row, bar, head = 22.0, 14.0, 20.0
    names = 132.0
    svg = _svg(chart_id, title, caption, head + row * len(sources) + 2)
    panel = (WIDTH - names) / 2
    for number, (heading, values) in enumerate((
            ("Articles", [s.articles for s in sources]),
            ("Words", [s.words for s in sources]))):
        x0 = names + number * panel
        room = panel - 10 - CHAR * max(len(f"{v:,}") for v in values)
        peak = max(values) or 1
        _text(svg, x0, 13, heading, cls="heading")
        for i, value in enumerate(values):
            y = head + i * row
            width = room * value / peak
            if width:
                _rect(svg, x0, y + (row - bar) / 2, width, bar, "bar")
            _text(svg, x0 + width + 4, y + row / 2 + 4, f"{value:,}", cls="value")
    for i, source in enumerate(sources):
        label = _text(svg, names - 8, head + i * row + row / 2 + 4,
                      fit(source.name, int((names - 10) / CHAR)), anchor="end")
        ET.SubElement(label, "title").text = (f"{source.name}: {plural(source.articles, 'article')}"
                                              f", {plural(source.words, 'word')}")
    return Chart(_markup(svg), caption)


def fit(text: str, chars: int) -> str:
    """Text cut to `chars` characters, an ellipsis marking the cut."""
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def _svg(chart_id: str, title: str, caption: str, height: float) -> ET.Element:
    svg = ET.Element("svg", {
        "xmlns": SVG_NS,  # a plain attribute: ElementTree's namespace registry is global state
        "class": "chart-svg", "viewBox": f"0 0 {WIDTH} {_n(height)}", "width": "100%",
        "role": "img", "aria-labelledby": f"{chart_id}-title",
        "aria-describedby": f"{chart_id}-desc",
        "font-family": "system-ui, sans-serif", "font-size": str(FONT), "fill": "currentColor",
    })
    ET.SubElement(svg, "title", {"id": f"{chart_id}-title"}).text = title
    ET.SubElement(svg, "desc", {"id": f"{chart_id}-desc"}).text = caption
    return svg


def _rect(parent: ET.Element, x: float, y: float, width: float, height: float,
          cls: str) -> ET.Element:
    return ET.SubElement(parent, "rect", {"class": cls, "x": _n(x), "y": _n(y),
                                          "width": _n(width), "height": _n(height)})


def _line(parent: ET.Element, x1: float, y1: float, x2: float, y2: float, cls: str) -> None:
    ET.SubElement(parent, "line", {"class": cls, "x1": _n(x1), "y1": _n(y1), "x2": _n(x2),
                                   "y2": _n(y2), "stroke": "currentColor"})


def _text(parent: ET.Element, x: float, y: float, text: str, anchor: str = "start",
          cls: str = "") -> ET.Element:
    attrs = {"x": _n(x), "y": _n(y)}
    if anchor != "start":
        attrs["text-anchor"] = anchor
    if cls:
        attrs["class"] = cls
    element = ET.SubElement(parent, "text", attrs)
    element.text = text
    return element


def _n(value: float) -> str:
    """A coordinate with at most one decimal, the same text for the same value everywhere."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _markup(svg: ET.Element) -> Markup:
    # ElementTree escapes &, < and > in text, and quotes too in attributes: safe to print.
    return Markup(ET.tostring(svg, encoding="unicode"))
