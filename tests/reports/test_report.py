"""The stakeholder report rendered from a real embedded PostgreSQL, read as the analyst role."""

from __future__ import annotations

import base64
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from expectations.result import CheckOutcome, GateResult
from purchase_path import warehouse as wh
from reports import ReportError, render_report
from reports.data import MartRow, build_report_data

REPORT_DATE = date(2024, 5, 31)


def fill_mart(warehouse: wh.Warehouse, rows: list[tuple]) -> None:
    with warehouse.connect("transformer") as conn:
        conn.execute("truncate marts.mart_channel_performance")
        conn.cursor().executemany("insert into marts.mart_channel_performance values (%s, %s, %s, %s, %s, %s)", rows)


MART = [
    # the report day
    (REPORT_DATE, "email", 1200, 400, 30, Decimal("2500.50")),
    (REPORT_DATE, "paid_search", 800, 300, 12, Decimal("999.49")),
    # earlier in the 30-day period
    (REPORT_DATE - timedelta(days=10), "email", 100, 50, 3, Decimal("100")),
    (REPORT_DATE - timedelta(days=29), "direct", 34, 20, 0, Decimal("0")),
    # outside the period: ignored
    (REPORT_DATE - timedelta(days=30), "email", 99999, 1, 1, Decimal("1")),
    (REPORT_DATE + timedelta(days=1), "email", 88888, 1, 1, Decimal("1")),
]

PASSED_GATE = GateResult(
    passed=True,
    checks=[CheckOutcome("core.fct_touchpoints", "expect_column_values_to_be_unique", "touch_id is unique", True, "")],
    validated_at=datetime(2024, 6, 1, 5, 7, tzinfo=UTC),
)


def test_renders_the_numbers_a_chart_and_the_gate(warehouse, tmp_path):
    fill_mart(warehouse, MART)

    path = render_report(warehouse, REPORT_DATE, tmp_path, PASSED_GATE, currency="EUR")

    assert path == tmp_path / "2024-05-31" / "path_to_purchase_2024-05-31.html"
    html = path.read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", " ", html)
    for headline in ("2,134", "770", "45", "3,599.99"):  # touches, customers, conversions, revenue
        assert headline in text
    assert "1,300" in text and "2,600.50" in text  # email: the report day and day -10
    assert "99,999" not in text and "88,888" not in text
    assert "Sun 2 May 2024" not in text and "Sat 2 May 2024" not in text  # not a day the period holds
    assert "Thu 2 May 2024 – Fri 31 May 2024" in text
    assert "Revenue (EUR)" in text
    assert "Data validated by the quality gate at 2024-06-01 05:07 UTC" in text
    png = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert png and base64.b64decode(png.group(1)).startswith(b"\x89PNG\r\n\x1a\n")
    assert "<script" not in html and "http" not in html.replace("http-equiv", "")  # self-contained


def test_renders_with_no_rows_and_says_so(warehouse, tmp_path):
    fill_mart(warehouse, [])

    path = render_report(warehouse, REPORT_DATE, tmp_path)

    html = path.read_text(encoding="utf-8")
    assert "No activity in this period" in html
    assert "The warehouse holds no channel performance data yet" in html
    assert "Touches and conversions per day" not in html and "Bar charts of touches" not in html  # no daily chart
    assert "Not validated" in html  # no gate result: a visible warning


def test_empty_period_names_the_latest_day_with_data(warehouse, tmp_path):
    fill_mart(warehouse, [(date(2024, 1, 15), "email", 5, 5, 1, Decimal(10))])

    html = render_report(warehouse, REPORT_DATE, tmp_path).read_text(encoding="utf-8")

    assert "No activity in this period" in html
    assert "The most recent day with data is Mon 15 Jan 2024" in html


def test_a_failed_gate_is_shown_as_a_warning(warehouse, tmp_path):
    fill_mart(warehouse, MART)
    failed = GateResult(
        passed=False,
        checks=[
            *PASSED_GATE.checks,
            CheckOutcome("marts.mart_channel_performance", "expect_x", "x", False, "1 of 2 rows violate it"),
        ],
        validated_at=datetime(2024, 6, 1, 5, 7, tzinfo=UTC),
    )

    html = render_report(warehouse, REPORT_DATE, tmp_path, failed).read_text(encoding="utf-8")

    assert "The quality gate failed at 2024-06-01 05:07 UTC: 1 of 2 checks failed" in html
    assert "Data validated" not in html


def test_rendering_again_gives_the_same_file(warehouse, tmp_path):
    fill_mart(warehouse, MART)
    first = render_report(warehouse, REPORT_DATE, tmp_path, PASSED_GATE).read_bytes()
    second = render_report(warehouse, REPORT_DATE, tmp_path, PASSED_GATE).read_bytes()
    assert first == second
    assert [p.name for p in (tmp_path / "2024-05-31").iterdir()] == ["path_to_purchase_2024-05-31.html"]


def test_missing_mart_is_a_clear_error(warehouse, tmp_path):
    with warehouse.connect("transformer") as conn:
        conn.execute("alter table marts.mart_channel_performance rename to mart_channel_performance_away")
    try:
        with pytest.raises(ReportError, match=r"marts\.mart_channel_performance does not exist"):
            render_report(warehouse, REPORT_DATE, tmp_path)
    finally:
        with warehouse.connect("transformer") as conn:
            conn.execute("alter table marts.mart_channel_performance_away rename to mart_channel_performance")


def test_report_data_sums_the_period_and_fills_empty_days():
    rows = [MartRow(*row) for row in MART] + [MartRow(REPORT_DATE, None, 6, 1, None, None)]

    data = build_report_data(rows, report_date=REPORT_DATE, period_days=30)

    assert data.period_start == date(2024, 5, 2) and data.period_days == 30
    assert (data.period.touches, data.period.customers, data.period.conversions) == (2140, 771, 45)
    assert data.period.revenue == Decimal("3599.99")
    assert (data.day.touches, data.day.conversions) == (2006, 42)
    assert len(data.daily) == 30 and data.daily[0].touches == 34 and data.daily[1].touches == 0
    assert [row.channel for row in data.channels] == ["email", "paid_search", "direct", "(unknown)"]
    assert sum(row.revenue_share for row in data.channels) == pytest.approx(1.0)
    assert data.latest_data_date == REPORT_DATE
    assert data.gate.state == "missing"
