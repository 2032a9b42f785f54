"""Charts for the report, drawn with matplotlib and returned as PNG bytes.

PNG rather than SVG: mail clients and PDF renderers show it everywhere, inline as a data URI or attached by
Content-ID. Figures are built from :class:`matplotlib.figure.Figure` directly, without pyplot, so nothing
global (backend, current figure) is touched and rendering is safe in parallel workers.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from reports.data import DailyPoint

TOUCH_COLOUR = "#4c72b0"
CONVERSION_COLOUR = "#2a9d5c"
INK = "#3b3f45"


@dataclass(frozen=True)
class Chart:
    """A rendered chart: the PNG and the words that stand in for it (alt text)."""

    png: bytes
    alt: str

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def daily_touches_and_conversions(daily: list[DailyPoint]) -> Chart:
    """Touches (top) and conversions (bottom) per day: two panels, as conversions are few beside touches."""
    from matplotlib.dates import DateFormatter, DayLocator
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    days = [datetime.combine(point.day, time()) for point in daily]  # datetimes: dates cannot hold half a day
    figure = Figure(figsize=(8, 4), dpi=100, layout="constrained")
    touches_axes, conversions_axes = figure.subplots(2, 1, sharex=True, height_ratios=(3, 2))
    panels = (
        (touches_axes, [point.touches for point in daily], TOUCH_COLOUR, "Touches"),
        (conversions_axes, [point.conversions for point in daily], CONVERSION_COLOUR, "Conversions"),
    )
    for axes, values, colour, label in panels:
        axes.bar(days, values, width=0.8, color=colour)
        axes.set_ylabel(label, color=INK, fontsize=9)
        axes.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        axes.grid(axis="y", color="#e3e5e8", linewidth=0.8)
        axes.set_axisbelow(True)
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
        axes.spines["bottom"].set_color("#c9ccd1")
        axes.tick_params(colors=INK, labelsize=8, length=0)
        axes.set_ylim(bottom=0, top=max(max(values, default=0), 1) * 1.1)
    if days:
        half_a_day = timedelta(hours=14)
        conversions_axes.set_xlim(days[0] - half_a_day, days[-1] + half_a_day)
    conversions_axes.xaxis.set_major_locator(DayLocator(interval=max(1, len(days) // 8)))
    conversions_axes.xaxis.set_major_formatter(DateFormatter("%d %b"))

    buffer = io.BytesIO()
    # No software/time metadata: the same numbers give the same bytes, so re-rendering a report is idempotent.
    figure.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    total_touches = sum(point.touches for point in daily)
    total_conversions = sum(point.conversions for point in daily)
    alt = (
        f"Bar charts of touches and conversions per day from {days[0]:%d %b %Y} to {days[-1]:%d %b %Y}: "
        f"{total_touches:,} touches and {total_conversions:,} conversions in all."
        if days
        else "No days to chart."
    )
    return Chart(png=buffer.getvalue(), alt=alt)
