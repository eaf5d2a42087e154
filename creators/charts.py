"""Geometry for the dashboard's server-rendered SVG charts (no JavaScript, no CDN).

Each builder returns plain numbers the template draws (templates/creators/partials/
chart_*.html); every chart also carries its rows so the template can print the same
data as a table for screen readers and for anyone who prefers numbers.
"""

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 640, 180
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 44, 8, 10, 24


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    css: str = ""


@dataclass
class Chart:
    id: str
    title: str
    description: str
    columns: list[str]
    table: list[list[str]]
    width: int = WIDTH
    height: int = HEIGHT
    path: str = ""
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (css class, label)


def _nice_max(value: float) -> float:
    """The top of the axis: four equal steps of 1, 2 or 5 x 10^k (1.5 and 2.5 from 10 up,
    so every tick stays a whole number)."""
    if value <= 0:
        return 4
    step_needed = value / 4
    magnitude = 10 ** math.floor(math.log10(step_needed)) if step_needed >= 1 else 1
    for step in (1, 1.5, 2, 2.5, 5, 10):
        if step in (1.5, 2.5) and magnitude < 10:
            continue
        if step * magnitude >= step_needed:
            return 4 * step * magnitude
    return 40 * magnitude


def _scale(top: float):
    plot_height = HEIGHT - PAD_TOP - PAD_BOTTOM
    return lambda value: PAD_TOP + plot_height * (1 - float(value) / top)


def _ticks(top: float, fmt) -> list[tuple[float, str]]:
    y = _scale(top)
    return [(round(y(top * n / 4), 1), fmt(top * n / 4)) for n in range(5)]


def _x_labels(days: list, x_of) -> list[tuple[float, str]]:
    every = max(1, len(days) // 6)
    return [(round(x_of(i), 1), day.strftime("%d %b")) for i, day in enumerate(days)][::every]


def line_chart(*, id, title, description, days, values, fmt=str) -> Chart:
    top = _nice_max(max(values, default=0))
    y = _scale(top)
    span = WIDTH - PAD_LEFT - PAD_RIGHT
    step = span / max(len(days) - 1, 1)

    def x_of(i):
        return PAD_LEFT + i * step

    points = [f"{x_of(i):.1f},{y(v):.1f}" for i, v in enumerate(values)]
    return Chart(
        id=id,
        title=title,
        description=description,
        columns=["Day", title],
        table=[[day.isoformat(), fmt(v)] for day, v in zip(days, values, strict=True)],
        path=("M" + " L".join(points)) if points else "",
        y_ticks=_ticks(top, lambda v: fmt(round(v))),
        x_labels=_x_labels(days, x_of),
    )


def stacked_bars(
    *, id, title, description, days, series, fmt=str, tick_fmt=None, extra_columns=None
) -> Chart:
    """`series`: [(css class, label, values)], stacked bottom-up, one bar per day."""
    totals = [sum(max(0, s[2][i]) for s in series) for i in range(len(days))]
    top = _nice_max(float(max(totals, default=0)))
    y = _scale(top)
    span = WIDTH - PAD_LEFT - PAD_RIGHT
    slot = span / max(len(days), 1)
    width = max(slot * 0.7, 1)

    def x_of(i):
        return PAD_LEFT + i * slot + (slot - width) / 2

    bars = []
    for i, day in enumerate(days):
        base = 0.0
        for css, label, values in series:
            value = float(max(0, values[i]))
            if value:
                bars.append(
                    Bar(
                        x=round(x_of(i), 1),
                        y=round(y(base + value), 1),
                        width=round(width, 1),
                        height=round(y(base) - y(base + value), 1),
                        label=f"{day:%d %b}: {label} {fmt(values[i])}",
                        css=css,
                    )
                )
            base += value
    extra_columns = extra_columns or []
    return Chart(
        id=id,
        title=title,
        description=description,
        columns=["Day", *(label for _, label, _ in series), *(name for name, _ in extra_columns)],
        table=[
            [
                day.isoformat(),
                *(fmt(values[i]) for _, _, values in series),
                *(values[i] for _, values in extra_columns),
            ]
            for i, day in enumerate(days)
        ],
        bars=bars,
        y_ticks=_ticks(top, tick_fmt or (lambda v: fmt(round(v)))),
        x_labels=_x_labels(days, lambda i: x_of(i) + width / 2),
        legend=[(css, label) for css, label, _ in series],
    )


def funnel(*, id, title, description, steps: list[tuple[str, int]]) -> Chart:
    """Horizontal bars, widest first: each step's fans and its share of the first step."""
    top = max((count for _, count in steps), default=0) or 1
    row_height = 26
    height = row_height * len(steps) + 4
    label_width, span = 120, WIDTH - 120 - 80
    bars = [
        Bar(
            x=label_width,
            y=i * row_height + 2,
            width=round(max(span * count / top, 1), 1),
            height=row_height - 6,
            label=name,
            css=f"{count}",
        )
        for i, (name, count) in enumerate(steps)
    ]
    first = steps[0][1] if steps else 0
    return Chart(
        id=id,
        title=title,
        description=description,
        columns=["Stage", "Fans", "Share of all fans"],
        table=[
            [name, str(count), f"{100 * count / first:.0f} %" if first else "—"]
            for name, count in steps
        ],
        height=height,
        bars=bars,
    )
