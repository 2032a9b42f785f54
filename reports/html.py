"""The stakeholder report as one self-contained HTML file: inline CSS, the charts inlined as PNG data URIs."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from expectations.result import GateResult
from purchase_path.warehouse import Warehouse
from reports.attribution import ATTRIBUTION_TABLE, INTERVALS_TABLE, MODEL_LABELS
from reports.charts import Chart, attribution_shares, daily_touches_and_conversions
from reports.data import SOURCE_TABLE, ReportData, load_report_data

TEMPLATES_DIR = Path(__file__).parent / "templates"
TEMPLATE = "path_to_purchase.html.j2"


def report_path(out_dir: Path, report_date: date, suffix: str = ".html") -> Path:
    """Where the report for ``report_date`` lives: ``<out_dir>/<date>/path_to_purchase_<date><suffix>``."""
    return Path(out_dir) / report_date.isoformat() / f"path_to_purchase_{report_date.isoformat()}{suffix}"


def render_report(
    warehouse: Warehouse,
    report_date: date,
    out_dir: Path,
    gate: GateResult | None = None,
    *,
    period_days: int = 30,
    currency: str | None = None,
    attribution_truth: Path | None = None,
) -> Path:
    """Render the report for the ``period_days`` days ending on ``report_date``; return the HTML file's path.

    Reads ``marts.mart_channel_performance``, ``marts.mart_attribution`` and ``marts.mart_attribution_intervals`` as
    role ``analyst``. Rendering again replaces the file whole.

    Args:
        warehouse: the warehouse.
        report_date: the last day the report covers.
        out_dir: the reports folder; the file goes to ``<out_dir>/<report_date>/``.
        gate: the quality gate's result for this data; without it the report says the data is unvalidated.
        period_days: how many days the headline numbers, the chart and the channel table cover.
        currency: the reporting currency's code, shown beside revenue (e.g. ``EUR``).
        attribution_truth: a ``channel_contributions.csv`` of true channel contributions (the sandbox's); with it
            the attribution section scores every model against the truth.

    Raises:
        ReportError: the channel performance mart is missing or the analyst role cannot read it. (A missing
            attribution mart is said in its section instead.)
    """
    data = load_report_data(warehouse, report_date, gate, period_days=period_days, attribution_truth=attribution_truth)
    html = render_html(data, currency=currency)
    path = report_path(out_dir, report_date)
    _write_atomically(path, html)
    return path


def render_html(data: ReportData, *, currency: str | None = None) -> str:
    """Lay ``data`` out as the HTML page (no I/O)."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(default=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        count=format_count,
        money=format_money,
        percent=format_percent,
        share=format_share,
        ratio=format_ratio,
        decimal=format_decimal,
        model=format_model,
        day=format_day,
        moment=format_moment,
    )
    chart: Chart | None = None if data.is_empty else daily_touches_and_conversions(data.daily)
    attribution = data.attribution
    attribution_chart = attribution_shares(attribution) if attribution and attribution.state == "ok" else None
    return environment.get_template(TEMPLATE).render(
        data=data,
        chart=chart,
        attribution=attribution,
        attribution_chart=attribution_chart,
        currency=currency,
        source_table=SOURCE_TABLE,
        attribution_table=ATTRIBUTION_TABLE,
        intervals_table=INTERVALS_TABLE,
    )


def format_count(value: int) -> str:
    return f"{value:,}"


def format_money(value: Decimal | float) -> str:
    return f"{Decimal(value):,.2f}"


def format_percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def format_share(value: float | None) -> str:
    """A share in whole percent: the models differ by more than the decimals would suggest."""
    return "–" if value is None else f"{value:.0%}"


def format_ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:,.2f}×"


def format_decimal(value: float | None, places: int = 1) -> str:
    return "–" if value is None else f"{value:,.{places}f}"


def format_model(name: str) -> str:
    return MODEL_LABELS.get(name, name)


def format_day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def format_moment(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _write_atomically(path: Path, text: str) -> None:
    """A reader (the mailer, a browser) never sees half a report; a re-render replaces it whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
