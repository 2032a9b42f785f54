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

from reports.attribution import DATA_DRIVEN_MODELS, MODEL_LABELS, AttributionSection
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


def attribution_shares(section: AttributionSection) -> Chart:
    """Each model's share of every channel, side by side: one row per channel, one dot per model.

    The data-driven models' dots carry their bootstrap intervals as whiskers, so overlapping ranges show at a
    glance; the true share, when known, is a black bar. Dots are offset within a channel's row so none hides
    another.
    """
    from matplotlib.figure import Figure

    channels = section.channels
    models = section.models
    intervals = {(m.model, c.channel): c for m in section.intervals for c in m.channels}
    figure = Figure(figsize=(8, 1.2 + 0.42 * len(channels)), dpi=100, layout="constrained")
    axes = figure.subplots()
    palette = _model_colours(len(models))
    spread = 0.7
    for index, model in enumerate(models):
        offset = (index - (len(models) - 1) / 2) * spread / max(len(models), 1)
        rows = [position + offset for position in range(len(channels))]
        values = [100 * section.shares[model].get(channel, 0.0) for channel in channels]
        data_driven = model in DATA_DRIVEN_MODELS
        axes.scatter(
            values,
            rows,
            s=30 if data_driven else 14,
            marker="D" if data_driven else "o",
            color=palette[index],
            label=MODEL_LABELS.get(model, model),
            zorder=3,
        )
        for row, channel in zip(rows, channels, strict=True):
            interval = intervals.get((model, channel))
            if interval is not None and interval.low is not None and interval.high is not None:
                axes.plot([100 * interval.low, 100 * interval.high], [row, row], color=palette[index], linewidth=1.4)
    if section.truth_shares is not None:
        truth = [100 * section.truth_shares.get(channel, 0.0) for channel in channels]
        axes.scatter(
            truth, range(len(channels)), marker="|", s=260, color="black", linewidths=2, label="truth", zorder=4
        )
    axes.set_yticks(range(len(channels)), channels)
    axes.invert_yaxis()
    axes.set_xlabel("Share of credited conversions (%)", color=INK, fontsize=9)
    axes.set_xlim(left=0)
    axes.grid(axis="x", color="#e3e5e8", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.tick_params(colors=INK, labelsize=8, length=0)
    figure.legend(loc="outside right upper", fontsize=7, frameon=False)

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    alt = (
        f"Dot chart of {len(models)} attribution models' shares of {len(channels)} channels; under "
        f"{section.headline_model} the largest is {channels[0]} at "
        f"{section.shares[section.headline_model].get(channels[0], 0.0):.0%}."
        if channels
        else "No channels to chart."
    )
    return Chart(png=buffer.getvalue(), alt=alt)


def _model_colours(count: int) -> list:
    from matplotlib import colormaps

    table = colormaps["tab20"]
    return [table(index % 20) for index in range(count)]
