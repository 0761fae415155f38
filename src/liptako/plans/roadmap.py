"""The roadmap of a year as a server-side SVG timeline (Gantt): a pure renderer.

Entries in, SVG text out: no database, no external asset, no script. Rows are grouped by
axis; bars are coloured by lead member state (legend); a month grid and today's line (when
today falls in the year) help reading. An entry the reader may not see is a row with its code
and marking only, without a bar. The markup is kept small (one ``<g>`` per row, short
attributes, classes styled once) so that 500 actions stay well under 300 KB.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

# Colour-blind friendly palette (Okabe-Ito), one per lead member state in order of code.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")

LABEL_WIDTH = 330
CHART_WIDTH = 720
ROW_HEIGHT = 18
AXIS_HEIGHT = 22
HEADER_HEIGHT = 34
LEGEND_HEIGHT = 30
TITLE_CHARS = 44


@dataclass(frozen=True)
class RoadmapEntry:
    axis: str  # axis label ("A1 Interopérabilité")
    code: str
    title: str = ""  # empty for a redacted entry
    lead_state: str = ""  # member state code
    start: date | None = None
    end: date | None = None
    marking: str = ""  # marking code, shown on redacted entries
    is_redacted: bool = False


@cache
def _stylesheet() -> str:
    """The rules of ``plans/roadmap.css`` (one source for the page and the standalone SVG)."""
    text = (Path(__file__).parent / "static" / "plans" / "roadmap.css").read_text("utf-8")
    return " ".join(re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL).split())


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_roadmap_svg(
    entries: Sequence[RoadmapEntry],
    *,
    year: int,
    today: date,
    month_names: Sequence[str],
    state_names: dict[str, str],
    title: str = "",
    redacted_label: str = "",
    legend_label: str = "",
    today_label: str = "",
    fixed_colours: dict[str, str] | None = None,
    embed_style: bool = True,
    label_width: int = LABEL_WIDTH,
) -> str:
    """The SVG document of ``entries`` (in plan order) on the timeline of ``year``.

    ``fixed_colours``: a fixed colour per ``lead_state`` key instead of the palette (monitoring
    colours the bars by status, with the status as the key).
    ``embed_style=False`` leaves out the ``<style>`` element, for a page that links
    ``plans/roadmap.css`` itself (its Content-Security-Policy forbids inline styles).
    ``label_width``: the width of the label column (the printed plan labels rows with their
    codes only, decision 0205).
    """
    first, last = date(year, 1, 1), date(year, 12, 31)
    days = (last - first).days + 1

    def x_of(day: date) -> float:
        return label_width + CHART_WIDTH * (day - first).days / days

    states = sorted({entry.lead_state for entry in entries if entry.lead_state} | set(state_names))
    colours = {state: PALETTE[index % len(PALETTE)] for index, state in enumerate(states)}
    colours.update(fixed_colours or {})

    rows: list[str] = []
    y = HEADER_HEIGHT
    current_axis: str | None = None
    for entry in entries:
        if entry.axis != current_axis:
            current_axis = entry.axis
            rows.append(
                f'<rect class="ax" x="0" y="{y}" width="{label_width + CHART_WIDTH}" '
                f'height="{AXIS_HEIGHT}"/><text class="at" x="4" y="{y + 15}">'
                f"{escape(_short(entry.axis, 110))}</text>"
            )
            y += AXIS_HEIGHT
        text_y = y + 13
        if entry.is_redacted:
            rows.append(
                f'<text class="r" x="8" y="{text_y}">{escape(entry.code)} — '
                f"{escape(entry.marking)} {escape(redacted_label)}</text>"
            )
        else:
            label = entry.code
            if entry.title:
                label += f" {_short(entry.title, TITLE_CHARS)}"
            bar = ""
            if entry.start and entry.end and entry.start <= last and entry.end >= first:
                start = max(entry.start, first)
                end = min(entry.end, last) + timedelta(days=1)
                x = x_of(start)
                width = max(x_of(end) - x, 2.0)
                bar = (
                    f'<rect x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="12" rx="2" '
                    f'fill="{colours.get(entry.lead_state, "#777")}"><title>'
                    f"{escape(entry.code)} {escape(entry.title)} ({escape(entry.lead_state)}, "
                    f"{entry.start.isoformat()} → {entry.end.isoformat()})</title></rect>"
                )
            rows.append(f'<text x="8" y="{text_y}">{escape(label)}</text>{bar}')
        y += ROW_HEIGHT

    chart_bottom = y
    height = chart_bottom + LEGEND_HEIGHT
    width = label_width + CHART_WIDTH

    grid: list[str] = []
    for month in range(1, 13):
        start = date(year, month, 1)
        x = x_of(start)
        grid.append(
            f'<line class="g" x1="{x:.1f}" y1="{HEADER_HEIGHT - 4}" x2="{x:.1f}" '
            f'y2="{chart_bottom}"/><text class="m" x="{x + 3:.1f}" y="{HEADER_HEIGHT - 8}">'
            f"{escape(month_names[month - 1])}</text>"
        )
    today_line = ""
    if first <= today <= last:
        x = x_of(today)
        today_line = (
            f'<line class="t" x1="{x:.1f}" y1="{HEADER_HEIGHT - 30}" x2="{x:.1f}" '
            f'y2="{chart_bottom}"/><text class="tt" x="{x + 3:.1f}" y="12">'
            f"{escape(today_label)}</text>"
        )
    legend = [f'<text x="4" y="{chart_bottom + 20}">{escape(legend_label)}</text>']
    legend_x = 130
    for state in states:
        name = state_names.get(state, state)
        legend.append(
            f'<rect x="{legend_x}" y="{chart_bottom + 9}" width="14" height="14" '
            f'fill="{colours[state]}"/><text x="{legend_x + 18}" y="{chart_bottom + 20}">'
            f"{escape(name)}</text>"
        )
        legend_x += 30 + 8 * len(name)

    style = f"<style>{_stylesheet()}</style>" if embed_style else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="roadmap" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<title>{escape(title)}</title>{style}"
        f"{''.join(grid)}{''.join(rows)}{today_line}{''.join(legend)}</svg>"
    )
