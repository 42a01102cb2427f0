"""Charts as inline SVG drawn on the server: no JavaScript, readable by screen readers.

Each chart is a figure with an SVG (``role="img"`` and a title) and the same numbers as a
table (visually hidden but read by screen readers), so nobody has to read numbers off bars.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import ceil, log10

WIDTH, BAR_HEIGHT, GAP, LABEL_WIDTH = 640, 24, 8, 200
PLOT_HEIGHT, AXIS_BOTTOM, LEFT, RIGHT, TOP = 220, 40, 44, 44, 14
MAX_AXIS_LABELS = 8
BASELINE = TOP + PLOT_HEIGHT  # y of the value 0 in column charts (SVG y grows downwards)


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]
    css_class: str  # colour comes from the stylesheet (chart-series-1 ...), never inline


@dataclass
class Chart:
    title: str
    labels: list[str]
    series: list[Series]
    kind: str = "bars"  # "bars" (horizontal, one series), "columns" (grouped), "stacked" (stacked columns)
    unit: str = ""
    svg_width: int = WIDTH
    svg_height: int = 0
    shapes: list[dict] = field(default_factory=list)
    ticks: list[dict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.labels or all(not any(s.values) for s in self.series)

    def rows(self) -> list[tuple[str, list[float]]]:
        return [(label, [s.values[i] for s in self.series]) for i, label in enumerate(self.labels)]


def nice_step(value: float) -> float:
    """The smallest 'round' number (1, 2, 5 x 10^n, at least 1) at or above value."""
    if value <= 1:
        return 1
    exponent = 10 ** int(log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def nice_maximum(value: float, ticks: int = 4) -> float:
    """The top of an axis with ``ticks`` whole, round steps that reaches value (5 -> 8, 18 -> 20, 130 -> 200)."""
    return ticks * nice_step(value / ticks)


def horizontal_bars(title: str, labels: list[str], values: list[float], css_class: str = "chart-series-1") -> Chart:
    """One bar per label, longest first is up to the caller: e.g. open cases by status or by team."""
    chart = Chart(title, labels, [Series(title, values, css_class)], kind="bars")
    top = nice_maximum(max(values, default=0))
    plot = WIDTH - LABEL_WIDTH - 60
    chart.svg_height = len(labels) * (BAR_HEIGHT + GAP) + GAP
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = GAP + i * (BAR_HEIGHT + GAP)
        width = round(plot * value / top, 1)
        chart.shapes.append({"kind": "text", "x": LABEL_WIDTH - 8, "y": y + BAR_HEIGHT * 0.7, "text": label,
                             "anchor": "end"})
        chart.shapes.append({"kind": "rect", "x": LABEL_WIDTH, "y": y, "width": max(width, 1),
                             "height": BAR_HEIGHT, "css_class": css_class})
        chart.shapes.append({"kind": "text", "x": LABEL_WIDTH + width + 6, "y": y + BAR_HEIGHT * 0.7,
                             "text": _number(value), "anchor": "start"})
    return chart


def columns(title: str, labels: list[str], series: list[Series], *, stacked: bool = False, unit: str = "") -> Chart:
    """Columns per label: grouped (created vs resolved per day) or stacked (SLA met vs breached per week)."""
    chart = Chart(title, labels, series, kind="stacked" if stacked else "columns", unit=unit)
    chart.svg_height = BASELINE + AXIS_BOTTOM
    totals = [sum(s.values[i] for s in series) if stacked else max((s.values[i] for s in series), default=0)
              for i in range(len(labels))]
    top = nice_maximum(max(totals, default=0))
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(labels), 1)
    chart.ticks = _ticks(top)
    for i, label in enumerate(labels):
        x0 = LEFT + i * slot
        _add_column(chart, series, i, x0, slot, top, stacked)
        if i % ceil(len(labels) / MAX_AXIS_LABELS) == 0:  # readable: at most this many labels on the axis
            chart.shapes.append({"kind": "text", "x": round(x0 + slot / 2, 1), "y": BASELINE + 20,
                                 "text": label, "anchor": "middle"})
    return chart


def _add_column(chart: Chart, series: list[Series], i: int, x0: float, slot: float, top: float,
                stacked: bool) -> None:
    inner = slot * 0.8
    width = inner if stacked else inner / max(len(series), 1)
    base = BASELINE
    for k, one in enumerate(series):
        height = PLOT_HEIGHT * one.values[i] / top
        x = x0 + slot * 0.1 + (0 if stacked else k * width)
        y = base - height
        chart.shapes.append({"kind": "rect", "x": round(x, 1), "y": round(y, 1), "width": round(max(width - 1, 1), 1),
                             "height": round(height, 1), "css_class": one.css_class,
                             "tooltip": f"{chart.labels[i]}: {one.name} {_number(one.values[i])}{chart.unit}"})
        if stacked:
            base = y


def _ticks(top: float) -> list[dict]:
    """The value axis, labelled on both sides: on a phone the chart scrolls, and opens at its newest (right) end."""
    return [{"y": round(BASELINE - PLOT_HEIGHT * step / 4, 1), "text": _number(top * step / 4), "x1": LEFT,
             "x2": WIDTH - RIGHT, "label_x": LEFT - 6, "right_label_x": WIDTH - RIGHT + 6} for step in range(0, 5)]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
