"""Server-side SVG charts: geometry computed here, drawn by templates (no script, no asset).

The SVG scales with its container (``viewBox``), so it reads on a tablet as on a desktop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.dates import MONTHS_AP
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from liptako.plans.roadmap import RoadmapEntry, render_roadmap_svg

# Colours by status (accessible contrast on white; the legend repeats them in words).
STATUS_COLOURS = {
    "not_started": "#9e9e9e",
    "on_track": "#2e7d32",
    "at_risk": "#ef6c00",
    "late": "#c62828",
    "done": "#1565c0",
    "cancelled": "#616161",
    "not_reported": "#bdbdbd",
}


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: int
    width: float  # in chart units, 0..bar_area
    colour: str


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars of percentages (0-100), one per row."""

    width: int
    height: int
    label_width: int
    bar_area: int
    bar_height: int
    bars: tuple[Bar, ...]
    title: str

    @property
    def value_x(self) -> int:
        return self.label_width + self.bar_area + 6

    @property
    def gridlines(self) -> list[tuple[float, int]]:
        return [(self.label_width + self.bar_area * pct / 100, pct) for pct in (0, 25, 50, 75, 100)]


def percent_bar_chart(
    rows: Sequence[tuple[str, Decimal | None]], *, title: str, colour: str = "#2e7d32"
) -> BarChart:
    """``rows``: (label, percent or None); None draws no bar and says "-"."""
    label_width, bar_area, bar_height, gap = 180, 360, 22, 10
    bars = []
    for index, (label, value) in enumerate(rows):
        percent = float(value) if value is not None else 0.0
        bars.append(
            Bar(
                label=label if len(label) <= 28 else label[:27] + "…",
                value_text=f"{number_format(value)} %" if value is not None else "-",
                y=20 + index * (bar_height + gap),
                width=round(bar_area * max(0.0, min(percent, 100.0)) / 100, 1),
                colour=colour,
            )
        )
    height = 20 + len(bars) * (bar_height + gap) + 10
    return BarChart(
        width=label_width + bar_area + 60,
        height=height,
        label_width=label_width,
        bar_area=bar_area,
        bar_height=bar_height,
        bars=tuple(bars),
        title=title,
    )


@dataclass(frozen=True)
class Column:
    label: str
    sublabel: str
    value_text: str
    x: int
    y: float
    height: float
    colour: str


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    plot_top: int
    plot_height: int
    column_width: int
    columns: tuple[Column, ...]
    title: str

    @property
    def baseline(self) -> int:
        return self.plot_top + self.plot_height


def percent_column_chart(points: Sequence[tuple[str, str, int, str]], *, title: str) -> ColumnChart:
    """``points``: (label, sublabel, percent, status) in time order: one column each."""
    column_width, gap, plot_top, plot_height = 44, 14, 20, 160
    columns = []
    for index, (label, sublabel, percent, status) in enumerate(points):
        height = plot_height * max(0, min(percent, 100)) / 100
        columns.append(
            Column(
                label=label,
                sublabel=sublabel,
                value_text=f"{percent} %",
                x=40 + index * (column_width + gap),
                y=plot_top + plot_height - height,
                height=height,
                colour=STATUS_COLOURS.get(status, "#2e7d32"),
            )
        )
    return ColumnChart(
        width=max(300, 60 + len(columns) * (column_width + gap)),
        height=plot_top + plot_height + 48,
        plot_top=plot_top,
        plot_height=plot_height,
        column_width=column_width,
        columns=tuple(columns),
        title=title,
    )


def status_roadmap_svg(actions: Sequence[Any], *, year: int, today: dt.date, title: str) -> str:
    """The plans' roadmap timeline of ``year``, its bars coloured by progress status.

    ``actions``: annotated with ``progress_status`` (rollups.annotated_actions), their axis
    loaded. The roadmap colours bars by the entry's ``lead_state`` key: here the status label,
    which the bar's tooltip and the legend then show.
    """
    from liptako.monitoring.rollups import STATUS_ORDER, status_label

    labels = {status: status_label(status) for status in STATUS_ORDER}
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    entries = [
        RoadmapEntry(
            axis=f"{action.objective.axis.code} {action.objective.axis.title}",
            code=action.code,
            title=action.title,
            lead_state=labels[action.progress_status],
            start=action.start_date,
            end=action.end_date,
        )
        for action in actions
        if action.start_date <= last and action.end_date >= first
    ]
    return render_roadmap_svg(
        entries,
        year=year,
        today=today,
        month_names=[str(MONTHS_AP[month]) for month in range(1, 13)],
        state_names={label: label for label in labels.values()},
        title=title,
        legend_label=_("Status:"),
        today_label=_("Today"),
        fixed_colours={labels[status]: colour for status, colour in STATUS_COLOURS.items()},
        embed_style=False,  # the dashboard links plans/roadmap.css (no inline style under the CSP)
    )
