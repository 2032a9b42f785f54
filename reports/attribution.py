"""The report's attribution section: which model to trust, read from the marts as role ``analyst``.

Numbers come from two marts only:

- ``marts.mart_attribution`` (report date × model × channel × campaign): the period's credited conversions,
  revenue and spend per model and channel. A period's shares, CPA and ROAS add up conversions, revenue and spend
  first and divide after, as the mart's description asks.
- ``marts.mart_attribution_intervals`` (model × channel): the data-driven models' totals with bootstrap intervals
  over every journey of the last data-driven run (a copy of ``core.data_driven_channel_credits``, which the
  analyst role cannot read). The models run on the whole chain of journeys, so the intervals are the run's, not
  the period's; the section says so.

When a ground-truth file is given (the sandbox's ``channel_contributions.csv``; the demo sets
``PURCHASE_PATH_ATTRIBUTION_TRUTH``), every model's period shares are scored against the true shares with
:func:`attribution.truth.score`, the score docs/attribution.md's table uses.

A missing or empty mart is a state of the section, never an error: the rest of the report still renders.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import psycopg

from attribution.errors import AttributionError
from attribution.truth import align, load_true_shares, score
from purchase_path.warehouse import ANALYST, Warehouse

ATTRIBUTION_TABLE = "marts.mart_attribution"
INTERVALS_TABLE = "marts.mart_attribution_intervals"
# The order models appear in, simplest first (as docs/attribution.md introduces them).
MODEL_ORDER = (
    "first_touch",
    "last_touch",
    "last_non_direct",
    "first_paid",
    "last_paid",
    "linear",
    "time_decay",
    "position_based",
    "markov_order_1",
    "markov_order_2",
    "shapley",
)
# How the report names each model.
MODEL_LABELS = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "last_non_direct": "Last non-direct",
    "first_paid": "First paid",
    "last_paid": "Last paid",
    "linear": "Linear",
    "time_decay": "Time decay",
    "position_based": "Position-based",
    "markov_order_1": "Markov (order 1)",
    "markov_order_2": "Markov (order 2)",
    "shapley": "Shapley",
}
DATA_DRIVEN_MODELS = ("markov_order_1", "markov_order_2", "shapley")
# The model whose CPA and ROAS the report shows: the first of these with credits in the period. Shapley first:
# it credits each journey's channels from what the data says they add; linear is there before any data-driven run.
HEADLINE_MODELS = ("shapley", "markov_order_1", "linear", "last_touch")


@dataclass(frozen=True)
class ChannelMoney:
    """One channel's period under the headline model: credited conversions, revenue and the spend behind them."""

    channel: str
    conversions: float
    revenue: Decimal
    spend: Decimal | None  # None: no ad platform reports spend for the channel

    @property
    def cost_per_conversion(self) -> float | None:
        return float(self.spend) / self.conversions if self.spend and self.conversions > 0 else None

    @property
    def return_on_ad_spend(self) -> float | None:
        return float(self.revenue / self.spend) if self.spend else None


@dataclass(frozen=True)
class ShareInterval:
    """A data-driven model's share of a channel over the last run's journeys, with its bootstrap interval."""

    channel: str
    share: float
    low: float | None
    high: float | None


@dataclass(frozen=True)
class ModelIntervals:
    """One data-driven model's channel shares with intervals, largest share first."""

    model: str
    channels: list[ShareInterval]

    @property
    def top_two_overlap(self) -> bool | None:
        """Whether the two largest channels' intervals overlap (the data cannot rank them); None: not known."""
        if len(self.channels) < 2:
            return None
        first, second = self.channels[0], self.channels[1]
        if None in (first.low, first.high, second.low, second.high):
            return None
        return bool(first.low <= second.high and second.low <= first.high)


@dataclass(frozen=True)
class IntervalRun:
    """The data-driven run the intervals come from."""

    run_label: str
    computed_at: datetime
    confidence: float | None
    replicates: int


@dataclass(frozen=True)
class ModelScore:
    """A model's period shares scored against the true contributions (:func:`attribution.truth.score`)."""

    model: str
    share_error: float  # percentage points of credit on the wrong channels
    largest_miss: str
    rank_correlation: float | None


@dataclass(frozen=True)
class AttributionSection:
    """Everything the attribution section shows.

    Attributes:
        state: ``ok``; ``missing`` (the mart cannot be read: ``message`` says why); ``empty`` (no credits in the
            period).
        models: the models with credits in the period, in :data:`MODEL_ORDER`.
        channels: the channels, largest share under the headline model first.
        shares: model → channel → share of the model's credited conversions in the period (0 to 1).
        headline_model: the model whose CPA and ROAS are shown (first of :data:`HEADLINE_MODELS` present).
        headline: the headline model's conversions, revenue, spend per channel, in ``channels`` order.
        intervals: the data-driven models' shares with intervals, from the last data-driven run.
        interval_run: that run; None before the first one.
        truth_shares: channel → true share, when a truth file was given and read.
        scores: every model's score against the truth, closest first.
        truth_problem: why a given truth file could not be used.
    """

    state: str
    message: str = ""
    models: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    shares: dict[str, dict[str, float]] = field(default_factory=dict)
    headline_model: str | None = None
    headline: list[ChannelMoney] = field(default_factory=list)
    intervals: list[ModelIntervals] = field(default_factory=list)
    interval_run: IntervalRun | None = None
    truth_shares: dict[str, float] | None = None
    scores: list[ModelScore] = field(default_factory=list)
    truth_problem: str | None = None

    @property
    def closest_model(self) -> ModelScore | None:
        return self.scores[0] if self.scores else None


def load_attribution(
    warehouse: Warehouse, period_start: date, report_date: date, truth_path: Path | None = None
) -> AttributionSection:
    """Read the period's credits and the last run's intervals as role ``analyst``, and score them if given a truth."""
    try:
        with warehouse.connect(ANALYST) as conn:
            rows = conn.execute(
                "select attribution_model, channel, sum(conversions), sum(revenue), sum(spend) "
                f"from {ATTRIBUTION_TABLE} where report_date between %s and %s "
                "group by attribution_model, channel",
                (period_start, report_date),
            ).fetchall()
    except psycopg.errors.UndefinedTable:
        return AttributionSection(
            state="missing", message=f"{ATTRIBUTION_TABLE} does not exist yet: the attribution models have not run."
        )
    except psycopg.errors.InsufficientPrivilege:
        return AttributionSection(
            state="missing",
            message=f"The report cannot read {ATTRIBUTION_TABLE} (role {ANALYST}); the data team must grant it.",
        )
    return build_attribution(rows, _read_intervals(warehouse), truth_path=truth_path)


def _read_intervals(warehouse: Warehouse) -> list[tuple]:
    """The intervals mart's rows; none when it is not built (the section then says no data-driven run is in)."""
    try:
        with warehouse.connect(ANALYST) as conn:
            return conn.execute(
                "select attribution_model, channel, conversions, conversions_low, conversions_high, run_label, "
                f"computed_at, confidence, replicates from {INTERVALS_TABLE} order by computed_at desc"
            ).fetchall()
    except (psycopg.errors.UndefinedTable, psycopg.errors.InsufficientPrivilege):
        return []


def build_attribution(
    credit_rows: list[tuple], interval_rows: list[tuple], *, truth_path: Path | None = None
) -> AttributionSection:
    """Shape ``(model, channel, conversions, revenue, spend)`` period sums and the intervals mart's rows."""
    credits = pd.DataFrame(credit_rows, columns=["model", "channel", "conversions", "revenue", "spend"])
    credits["conversions"] = credits["conversions"].astype(float)
    totals = credits.groupby("model")["conversions"].sum()
    models = [model for model in MODEL_ORDER if totals.get(model, 0) > 0]
    models += sorted(model for model in totals.index if totals[model] > 0 and model not in MODEL_ORDER)
    if not models:
        return AttributionSection(state="empty", message="No conversions were credited in this period.")

    shares: dict[str, dict[str, float]] = {}
    for model in models:
        own = credits[credits["model"] == model]
        shares[model] = {row.channel: row.conversions / totals[model] for row in own.itertuples()}
    headline_model = next((model for model in HEADLINE_MODELS if model in shares), models[0])
    channels = sorted(
        {channel for model_shares in shares.values() for channel in model_shares},
        key=lambda channel: (-shares[headline_model].get(channel, 0.0), channel),
    )
    headline_rows = {row.channel: row for row in credits[credits["model"] == headline_model].itertuples()}
    headline = [
        ChannelMoney(
            channel=channel,
            conversions=float(headline_rows[channel].conversions),
            revenue=Decimal(headline_rows[channel].revenue or 0),
            spend=None if pd.isna(headline_rows[channel].spend) else Decimal(headline_rows[channel].spend),
        )
        for channel in channels
        if channel in headline_rows
    ]
    intervals, interval_run = _intervals(interval_rows)
    section = AttributionSection(
        state="ok",
        models=models,
        channels=channels,
        shares=shares,
        headline_model=headline_model,
        headline=headline,
        intervals=intervals,
        interval_run=interval_run,
    )
    return _with_truth(section, truth_path) if truth_path else section


def _intervals(rows: list[tuple]) -> tuple[list[ModelIntervals], IntervalRun | None]:
    """Each data-driven model's shares and interval bounds, as shares of the model's credited conversions."""
    if not rows:
        return [], None
    frame = pd.DataFrame(
        rows,
        columns=["model", "channel", "conversions", "low", "high", "run_label", "computed_at", "confidence", "reps"],
    )
    newest = frame.iloc[0]
    result = []
    for model in [m for m in MODEL_ORDER if m in set(frame["model"])] + sorted(set(frame["model"]) - set(MODEL_ORDER)):
        own = frame[frame["model"] == model].sort_values(["conversions", "channel"], ascending=[False, True])
        total = own["conversions"].sum()
        if not total > 0:
            continue
        result.append(
            ModelIntervals(
                model=model,
                channels=[
                    ShareInterval(
                        channel=row.channel,
                        share=float(row.conversions / total),
                        low=None if pd.isna(row.low) else float(row.low / total),
                        high=None if pd.isna(row.high) else float(row.high / total),
                    )
                    for row in own.itertuples()
                ],
            )
        )
    run = IntervalRun(
        run_label=newest["run_label"],
        computed_at=newest["computed_at"],
        confidence=None if pd.isna(newest["confidence"]) else float(newest["confidence"]),
        replicates=int(newest["reps"]),
    )
    return result, run


def _with_truth(section: AttributionSection, truth_path: Path) -> AttributionSection:
    """Score every model's period shares against the true shares; a bad truth file is reported, not raised."""
    try:
        truth = load_true_shares(truth_path)
    except AttributionError as error:
        return replace(section, truth_problem=str(error))
    scores = []
    for model in section.models:
        shares, true_shares = align(pd.Series(section.shares[model], dtype=float), truth)
        result = score(shares, true_shares)
        rho = result["rank_correlation"]
        scores.append(
            ModelScore(
                model=model,
                share_error=float(result["share_error"]),
                largest_miss=result["largest_miss"],
                rank_correlation=None if pd.isna(rho) else float(rho),
            )
        )
    scores.sort(key=lambda s: (s.share_error, MODEL_ORDER.index(s.model) if s.model in MODEL_ORDER else 99))
    # A channel only the truth knows gets a row too: the warehouse credits it nothing.
    channels = section.channels + [str(channel) for channel in truth.index if channel not in section.channels]
    truth_shares = {str(channel): float(share) for channel, share in truth.items()}
    return replace(section, channels=channels, truth_shares=truth_shares, scores=scores)
