"""Small server-side SVG charts (统计图) for pages opened in WeChat's in-app browser.

No script, no CDN: every chart is an inline ``<svg role="img">`` with a ``<title>`` and a
``<desc>`` that says the figures in words, axes with ticks, Chinese labels and the values
written next to the bars. Text is escaped here; the result is safe to put in a template.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

WIDTH = 360
FONT = 12
CHAR = 12.5  # width of one Chinese character at FONT, in viewBox units
BAR_COLOUR = "#1f6feb"
AXIS_COLOUR = "#999"
Number = int | float


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^k at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= value)


def _ticks(top: float) -> list[float]:
    half = top / 2
    return [0, half, top] if top > 1 and half == int(half) else [0, top]


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = FONT,
          colour: str = "#333", weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{colour}" '
            f'text-anchor="{anchor}" font-weight="{weight}">{escape(text)}</text>')


def _clip(label: str, chars: int) -> str:
    return label if len(label) <= chars else label[: chars - 1] + "…"


def _frame(chart_id: str, title: str, desc: str, height: float, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
            f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" role="img" '
            f'aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d">'
            f'<title id="{escape(chart_id)}-t">{escape(title)}</title>'
            f'<desc id="{escape(chart_id)}-d">{escape(desc)}</desc>')
    caption = _text(0, 16, title, size=14, weight="bold")
    return Markup(head + caption + "".join(body) + "</svg>")  # every part is escaped above


def bar_chart(chart_id: str, title: str, rows: Sequence[tuple[str, Number | None]], *,
              fmt: Callable[[Number], str] = str, top: float | None = None,
              empty: str = "无数据", axis_fmt: Callable[[float], str] | None = None) -> Markup:
    """Horizontal bars, one a row: label on the left, the value written after the bar.

    A row whose value is None has no bar and says ``empty``; ``top`` fixes the scale
    (1.0 for rates), otherwise it is a round number above the largest value."""
    axis_fmt = axis_fmt or (lambda v: fmt(int(v)) if v == int(v) else fmt(v))
    values = [v for _, v in rows if v is not None]
    top = top or nice_ceiling(max(values, default=0))
    label_chars = min(8, max((len(label) for label, _ in rows), default=2))
    left, right, row_h, y0 = label_chars * CHAR + 8, 44, 26, 30
    span = WIDTH - left - right
    body: list[str] = []
    for i, (label, value) in enumerate(rows):
        y = y0 + i * row_h
        body.append(_text(left - 6, y + 16, _clip(label, label_chars), anchor="end"))
        if value is None:
            body.append(_text(left + 4, y + 16, empty, colour="#888"))
            continue
        width = span * min(value, top) / top
        body.append(f'<rect x="{left:.1f}" y="{y + 4}" width="{width:.1f}" height="{row_h - 8}" '
                    f'fill="{BAR_COLOUR}" rx="2"><title>{escape(f"{label}：{fmt(value)}")}'
                    f'</title></rect>')
        body.append(_text(left + width + 4, y + 16, fmt(value), weight="bold"))
    axis_y = y0 + len(rows) * row_h + 2
    body.append(f'<line x1="{left:.1f}" y1="{y0}" x2="{left:.1f}" y2="{axis_y}" '
                f'stroke="{AXIS_COLOUR}"/>')
    body.append(f'<line x1="{left:.1f}" y1="{axis_y}" x2="{left + span:.1f}" y2="{axis_y}" '
                f'stroke="{AXIS_COLOUR}"/>')
    for tick in _ticks(top):
        x = left + span * tick / top
        body.append(f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 4}" '
                    f'stroke="{AXIS_COLOUR}"/>')
        body.append(_text(x, axis_y + 16, axis_fmt(tick), anchor="middle", size=10,
                          colour="#777"))
    desc = "；".join(f"{label} {empty if v is None else fmt(v)}" for label, v in rows) or empty
    return _frame(chart_id, title, desc, axis_y + 22, body)


def column_chart(chart_id: str, title: str, points: Sequence[tuple[str, int]], *,
                 unit: str = "件") -> Markup:
    """Columns over time (one a day), with a y axis of counts and every few x labels.

    Values are written above the columns when there are few enough to read (≤ 31);
    every column carries its own ``<title>`` (label: value)."""
    top = nice_ceiling(max((v for _, v in points), default=0))
    left, right, y0, plot_h = 30, 6, 28, 120
    span = WIDTH - left - right
    step = span / max(1, len(points))
    base = y0 + plot_h
    body: list[str] = []
    for tick in _ticks(top):
        y = base - plot_h * tick / top
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + span}" y2="{y:.1f}" '
                    f'stroke="#e3e3e3"/>')
        body.append(_text(left - 4, y + 4, f"{tick:g}", anchor="end", size=10, colour="#777"))
    every = max(1, math.ceil(len(points) / 6))
    for i, (label, value) in enumerate(points):
        x = left + i * step
        h = plot_h * value / top
        body.append(f'<rect x="{x + step * 0.15:.1f}" y="{base - h:.1f}" '
                    f'width="{max(step * 0.7, 1):.1f}" height="{h:.1f}" fill="{BAR_COLOUR}">'
                    f'<title>{escape(f"{label}：{value}{unit}")}</title></rect>')
        if value and len(points) <= 31:
            body.append(_text(x + step / 2, base - h - 3, str(value), anchor="middle", size=10))
        if i % every == 0 or i == len(points) - 1:  # kept inside the frame at both ends
            centre = min(max(x + step / 2, left + 12), WIDTH - 14)
            body.append(_text(centre, base + 14, label, anchor="middle", size=10,
                              colour="#777"))
    body.append(f'<line x1="{left}" y1="{y0}" x2="{left}" y2="{base}" stroke="{AXIS_COLOUR}"/>')
    body.append(f'<line x1="{left}" y1="{base}" x2="{left + span}" y2="{base}" '
                f'stroke="{AXIS_COLOUR}"/>')
    total = sum(v for _, v in points)
    busiest = max(points, key=lambda p: p[1], default=("", 0))
    desc = (f"共{len(points)}天，合计{total}{unit}"
            + (f"，最多的一天 {busiest[0]} {busiest[1]}{unit}" if busiest[1] else ""))
    return _frame(chart_id, title, desc, base + 22, body)
