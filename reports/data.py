"""The report's numbers: read from the marts as role ``analyst`` and shaped for any presentation.

Nothing here knows about HTML. The HTML page (and later the PDF and the email) take a :class:`ReportData` and
only lay it out, so every format shows the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg

from expectations.result import GateResult
from purchase_path.settings import DBT_PROJECT_DIR
from purchase_path.warehouse import ANALYST, Warehouse
from reports.attribution import AttributionSection, load_attribution

SOURCE_TABLE = "marts.mart_channel_performance"
UNKNOWN_CHANNEL = "(unknown)"


class ReportError(RuntimeError):
    """The report cannot be built; the message names what to fix."""


@dataclass(frozen=True)
class Totals:
    touches: int = 0
    customers: int = 0
    conversions: int = 0
    revenue: Decimal = Decimal(0)

    @property
    def conversion_rate(self) -> float | None:
        """Conversions per touch; ``None`` without touches."""
        return self.conversions / self.touches if self.touches else None

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            touches=self.touches + other.touches,
            customers=self.customers + other.customers,
            conversions=self.conversions + other.conversions,
            revenue=self.revenue + other.revenue,
        )


@dataclass(frozen=True)
class ChannelRow:
    channel: str
    totals: Totals
    revenue_share: float | None  # of the period's revenue; None when the period has none


@dataclass(frozen=True)
class DailyPoint:
    day: date
    touches: int
    conversions: int


@dataclass(frozen=True)
class GateStatus:
    """What the report says about validation: ``passed``, ``failed`` or ``missing`` (no gate result given)."""

    state: str
    validated_at: datetime | None = None
    checks: int = 0
    failed: int = 0

    @classmethod
    def of(cls, gate: GateResult | None) -> GateStatus:
        if gate is None:
            return cls(state="missing")
        return cls(
            state="passed" if gate.passed else "failed",
            validated_at=gate.validated_at,
            checks=len(gate.checks),
            failed=len(gate.failures),
        )


@dataclass(frozen=True)
class ReportData:
    """Everything a report shows, for the ``period_days`` days ending on ``report_date``.

    Attributes:
        report_date: the last day the report covers.
        period_start: the first day it covers.
        period: the period's totals. ``customers`` adds up each day's and channel's active customers, so a
            customer active on several days or channels counts once for each (the mart's grain is day and
            channel).
        day: the totals of ``report_date`` alone.
        daily: one point per day of the period, days without data at zero.
        channels: the period by channel, most touches first.
        latest_data_date: the newest day with data on or before ``report_date`` (``None``: no data at all).
        gate: the quality gate's verdict on the data.
        attribution: the period's attribution section (None when not loaded, e.g. in :func:`build_report_data`).
    """

    report_date: date
    period_start: date
    period: Totals
    day: Totals
    daily: list[DailyPoint]
    channels: list[ChannelRow]
    latest_data_date: date | None
    gate: GateStatus
    attribution: AttributionSection | None = None

    @property
    def period_days(self) -> int:
        return (self.report_date - self.period_start).days + 1

    @property
    def is_empty(self) -> bool:
        return not self.channels


@dataclass(frozen=True)
class MartRow:
    """One row of ``marts.mart_channel_performance``."""

    report_date: date
    channel: str | None
    touches: int | None
    customers: int | None
    conversions: int | None
    revenue: Decimal | None


def load_report_data(
    warehouse: Warehouse,
    report_date: date,
    gate: GateResult | None = None,
    *,
    period_days: int = 30,
    attribution_truth: Path | None = None,
) -> ReportData:
    """Read the period's rows from the marts as role ``analyst`` and shape them.

    ``attribution_truth``, a ``channel_contributions.csv`` of known true channel contributions (the sandbox's),
    adds each attribution model's error score to the attribution section.
    """
    period_start = report_date - timedelta(days=period_days - 1)
    try:
        with warehouse.connect(ANALYST) as conn:
            rows = conn.execute(
                "select report_date, channel, touches, customers, conversions, revenue "
                f"from {SOURCE_TABLE} where report_date between %s and %s",
                (period_start, report_date),
            ).fetchall()
            (latest,) = conn.execute(
                f"select max(report_date) from {SOURCE_TABLE} where report_date <= %s", (report_date,)
            ).fetchone()
    except psycopg.errors.UndefinedTable as error:
        raise ReportError(
            f"{SOURCE_TABLE} does not exist yet: build the marts (dbt) before rendering the report"
        ) from error
    except psycopg.errors.InsufficientPrivilege as error:
        raise ReportError(
            f"role {ANALYST} cannot read {SOURCE_TABLE}: re-run the warehouse bootstrap, which grants it"
        ) from error
    data = build_report_data(
        (MartRow(*row) for row in rows),
        report_date=report_date,
        period_days=period_days,
        latest_data_date=latest,
        gate=gate,
    )
    attribution = load_attribution(warehouse, data.period_start, report_date, truth_path=attribution_truth)
    return replace(data, attribution=attribution)


def build_report_data(
    rows: Iterable[MartRow],
    *,
    report_date: date,
    period_days: int = 30,
    latest_data_date: date | None = None,
    gate: GateResult | None = None,
) -> ReportData:
    """Shape mart rows into the report's numbers. Rows outside the period are ignored."""
    if period_days < 1:
        raise ValueError(f"period_days must be at least 1, not {period_days}")
    period_start = report_date - timedelta(days=period_days - 1)
    by_channel: dict[str, Totals] = {}
    by_day: dict[date, Totals] = {}
    for row in rows:
        if not period_start <= row.report_date <= report_date:
            continue
        totals = Totals(
            touches=row.touches or 0,
            customers=row.customers or 0,
            conversions=row.conversions or 0,
            revenue=Decimal(row.revenue or 0),
        )
        channel = row.channel or UNKNOWN_CHANNEL
        by_channel[channel] = by_channel.get(channel, Totals()) + totals
        by_day[row.report_date] = by_day.get(row.report_date, Totals()) + totals

    period = sum(by_channel.values(), Totals())
    channels = [
        ChannelRow(
            channel=channel,
            totals=totals,
            revenue_share=float(totals.revenue / period.revenue) if period.revenue else None,
        )
        for channel, totals in sorted(by_channel.items(), key=lambda item: (-item[1].touches, item[0]))
    ]
    daily = []
    for offset in range(period_days):
        day = period_start + timedelta(days=offset)
        totals = by_day.get(day, Totals())
        daily.append(DailyPoint(day=day, touches=totals.touches, conversions=totals.conversions))
    return ReportData(
        report_date=report_date,
        period_start=period_start,
        period=period,
        day=by_day.get(report_date, Totals()),
        daily=daily,
        channels=channels,
        latest_data_date=latest_data_date or (max(by_day) if by_day else None),
        gate=GateStatus.of(gate),
    )


def dbt_reporting_currency(project_dir: Path = DBT_PROJECT_DIR) -> str | None:
    """The dbt var ``reporting_currency`` as dbt_project.yml sets it: the currency every mart's money is in.

    Read from the project file, where the project keeps its settings; a run that overrides the var with
    ``--vars`` is not seen here. None when the file does not set it.
    """
    import yaml

    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    currency = (project.get("vars") or {}).get("reporting_currency")
    return str(currency) if currency else None
