"""The report's "which model to trust" section, rendered from a real warehouse.

``marts.mart_attribution`` is filled with hand-worked rows in the mart's own columns; the data-driven intervals
come from the real writer (attribution.warehouse.run: Markov and Shapley with bootstrap intervals on a small
journeys table) copied into ``marts.mart_attribution_intervals`` as that mart's model does.
"""

from __future__ import annotations

import base64
import csv
import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from attribution.truth import score
from attribution.warehouse import run as run_data_driven
from bench import attribution_truth
from purchase_path import pipeline
from reports import render_report
from reports.data import dbt_reporting_currency

REPORT_DATE = date(2024, 5, 31)
EARLIER = REPORT_DATE - timedelta(days=10)
OUTSIDE = REPORT_DATE - timedelta(days=30)

# (report_date, model, channel, campaign, conversions, revenue, spend): per model 10 conversions in the period.
CREDITS = [
    # last touch: email 6 + 1.5, paid_search 2.5 (spend 50 on spring, 25 on brand)
    (REPORT_DATE, "last_touch", "email", "(not set)", 6.0, 600, None),
    (EARLIER, "last_touch", "email", "(not set)", 1.5, 150, None),
    (REPORT_DATE, "last_touch", "paid_search", "spring", 2.0, 300, 50),
    (EARLIER, "last_touch", "paid_search", "brand", 0.5, 50, 25),
    # linear: 5 / 5
    (REPORT_DATE, "linear", "email", "(not set)", 5.0, 500, None),
    (REPORT_DATE, "linear", "paid_search", "spring", 5.0, 550, 50),
    (EARLIER, "linear", "paid_search", "brand", 0.0, 0, 25),
    # shapley: email 2, paid_search 7, referral 1 (the headline model: CPA 75 / 7, ROAS 900 / 75)
    (REPORT_DATE, "shapley", "email", "(not set)", 2.0, 200, None),
    (REPORT_DATE, "shapley", "paid_search", "spring", 6.0, 800, 50),
    (EARLIER, "shapley", "paid_search", "brand", 1.0, 100, 25),
    (EARLIER, "shapley", "referral", "partner", 1.0, 100, None),
    # outside the period: ignored
    (OUTSIDE, "shapley", "email", "(not set)", 900.0, 90000, None),
    (OUTSIDE, "first_touch", "display", "(not set)", 5.0, 500, None),
]

# Journeys for the data-driven run: email converts far more often than paid_search.
JOURNEYS = [("email", True, 100)] * 200 + [("email", False, None)] * 100
JOURNEYS += [("paid_search", True, 100)] * 20 + [("paid_search", False, None)] * 50


def fill_attribution(warehouse, credits: list[tuple]) -> None:
    with warehouse.connect("transformer") as conn:
        conn.execute(
            "create table if not exists marts.mart_attribution ("
            " report_date date, attribution_model text, channel text, campaign text, conversions double precision,"
            " revenue numeric, spend numeric, cost_per_conversion double precision,"
            " return_on_ad_spend double precision)"
        )
        conn.execute("truncate marts.mart_attribution")
        conn.cursor().executemany(
            "insert into marts.mart_attribution values (%s, %s, %s, %s, %s, %s, %s,"
            " case when %s > 0 then %s / %s end, case when %s > 0 then %s / %s end)",
            [(*row, row[4], row[6], row[4], row[6], row[5], row[6]) for row in credits],
        )


def run_attribution_models(warehouse) -> None:
    """The real data-driven run on a journeys table, then the intervals mart as its dbt model copies it."""
    with warehouse.connect("transformer") as conn:
        conn.execute("drop table if exists core.int_attribution_paths")
        conn.execute(
            "create table core.int_attribution_paths ("
            " journey_id text, channel_path text, is_converted boolean, revenue numeric)"
        )
        conn.cursor().executemany(
            "insert into core.int_attribution_paths values (%s, %s, %s, %s)",
            [(f"j{index}", *journey) for index, journey in enumerate(JOURNEYS)],
        )
        conn.commit()
        run_data_driven(conn, run_label="report-test", replicates=30, seed=1)
        conn.execute("drop table if exists marts.mart_attribution_intervals")
        conn.execute(
            "create table marts.mart_attribution_intervals as select attribution_model, channel, conversions,"
            " conversions_low, conversions_high, conversion_value, conversion_value_low, conversion_value_high,"
            " removal_effect, confidence, replicates, run_label, computed_at from core.data_driven_channel_credits"
        )
        conn.execute("grant select on marts.mart_attribution_intervals to analyst")


def write_truth(path: Path, shares: dict[str, float]) -> Path:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["channel", "contribution", "contribution_share"])
        for channel, share in shares.items():
            writer.writerow([channel, share * 40, share])
    return path


def section_of(html: str) -> str:
    """The attribution section's text, tags stripped."""
    match = re.search(r'<section class="attribution">(.*?)</section>', html, flags=re.DOTALL)
    assert match, "the report has no attribution section"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


@pytest.fixture(scope="module")
def attributed(warehouse):
    fill_attribution(warehouse, CREDITS)
    run_attribution_models(warehouse)
    return warehouse


def test_shows_every_models_shares_the_intervals_and_cpa_of_the_headline_model(attributed, tmp_path):
    html = render_report(attributed, REPORT_DATE, tmp_path, currency="EUR").read_text(encoding="utf-8")
    text = section_of(html)

    assert "Which attribution model to trust" in text
    header = re.search(r"Channel (Last touch.*?) paid_search", text).group(1)
    assert header.split() == ["Last", "touch", "Linear", "Shapley"]  # models with credits, simplest first
    assert "First touch" not in text  # its only credits are outside the period
    # channels in the headline model's order (Shapley: paid_search 70 %, email 20 %, referral 10 %)
    assert "paid_search 25% 50% 70%" in text
    assert "email 75% 50% 20%" in text
    assert "referral 0% 0% 10%" in text
    # CPA and ROAS of the headline model, from summed spend and revenue: 75 / 7 and 900 / 75
    assert "Cost and return per channel under Shapley" in text
    assert "paid_search 7.0 900.00 75.00 10.71 12.00×" in text
    assert "email 2.0 200.00 – – –" in text
    assert "Spend (EUR)" in text and "Revenue (EUR)" in text
    # the data-driven run's shares with bootstrap ranges; email leads paid_search beyond doubt
    assert "How sure the data-driven models are" in text
    assert re.search(r"email 91% \(\d\d%–\d\d%\)", text)
    assert "Under Shapley, email clearly leads paid_search: their ranges do not overlap." in text
    assert "report-test" in text and "30 bootstrap resamples" in text
    assert "How to read this." in text
    assert "Against the known truth" not in text  # no truth configured
    section = re.search(r'<section class="attribution">(.*?)</section>', html, flags=re.DOTALL).group(1)
    png = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', section)
    assert png and base64.b64decode(png.group(1)).startswith(b"\x89PNG\r\n\x1a\n")  # the shares chart


def test_scores_each_model_against_the_truth_and_names_the_closest(attributed, tmp_path):
    truth = write_truth(tmp_path / "channel_contributions.csv", {"paid_search": 0.5, "email": 0.5})

    path = render_report(attributed, REPORT_DATE, tmp_path, attribution_truth=truth)
    text = section_of(path.read_text(encoding="utf-8"))

    assert "Of the models, Linear comes closest: 0.0 percentage points" in text
    # last touch: 75 / 25 against 50 / 50 puts 25 pp on the wrong channel; Shapley 20 / 70 / 10: 30 pp
    assert re.search(r"Linear 0\.0 \S+ [+-]0\.0 .*Last touch 25\.0 \S+ [+-]25\.0 .*Shapley 30\.0", text)
    assert "Truth" in text


def test_the_report_uses_the_same_score_as_the_docs_table():
    shares = pd.Series({"email": 0.75, "paid_search": 0.25})
    truth = pd.Series({"email": 0.5, "paid_search": 0.5})

    assert attribution_truth.score is score
    assert score(shares, truth)["share_error"] == pytest.approx(25.0)


def test_an_unreadable_truth_file_is_said_not_raised(attributed, tmp_path):
    path = render_report(attributed, REPORT_DATE, tmp_path, attribution_truth=tmp_path / "nowhere.csv")
    text = section_of(path.read_text(encoding="utf-8"))

    assert "The ground-truth file could not be used" in text and "nowhere.csv does not exist" in text
    assert "Cost and return per channel under Shapley" in text


def test_a_period_without_credits_says_so(attributed, tmp_path):
    path = render_report(attributed, date(2023, 1, 31), tmp_path)
    text = section_of(path.read_text(encoding="utf-8"))

    assert "No conversions were credited in this period." in text
    assert "Cost and return" not in text


def test_a_missing_attribution_mart_is_said_and_the_report_still_renders(attributed, tmp_path):
    with attributed.connect("transformer") as conn:
        conn.execute("alter table marts.mart_attribution rename to mart_attribution_away")
    try:
        html = render_report(attributed, REPORT_DATE, tmp_path).read_text(encoding="utf-8")
    finally:
        with attributed.connect("transformer") as conn:
            conn.execute("alter table marts.mart_attribution_away rename to mart_attribution")

    assert "marts.mart_attribution does not exist yet" in section_of(html)
    assert "Path to purchase" in html


def test_the_pipeline_labels_money_with_the_dbt_currency_and_reads_the_truth_setting(
    attributed, warehouse_settings, tmp_path, monkeypatch
):
    truth = write_truth(tmp_path / "channel_contributions.csv", {"paid_search": 0.7, "email": 0.2, "referral": 0.1})
    monkeypatch.setenv("PURCHASE_PATH_HOME", str(warehouse_settings.home))
    monkeypatch.setenv("PURCHASE_PATH_REPORT_DIR", str(tmp_path / "reports"))
    monkeypatch.delenv("WAREHOUSE_URL", raising=False)
    monkeypatch.setenv(pipeline.ATTRIBUTION_TRUTH_VARIABLE, str(truth))

    path = Path(pipeline.render_report(REPORT_DATE, None))

    html = path.read_text(encoding="utf-8")
    assert path.parent.parent == tmp_path / "reports"
    currency = dbt_reporting_currency()
    assert currency and f"Spend ({currency})" in html  # dbt_project.yml's reporting_currency
    assert "Of the models, Shapley comes closest: 0.0 percentage points" in section_of(html)
