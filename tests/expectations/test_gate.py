"""The quality gate on a real embedded PostgreSQL: good data passes, each kind of bad data fails loudly."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from connectors.core.state import ensure_ops_tables
from expectations import GateResult, QualityGateFailed, load_summary, run_gate
from expectations.suites import CORE_TABLES
from purchase_path import warehouse as wh
from purchase_path.settings import Settings

NOW = datetime.now(UTC)


@pytest.fixture(scope="session")
def warehouse():
    """One embedded warehouse for the session, shared with the other quality-gate and report tests.

    Its home is under the system temp folder, not pytest's: the embedded PostgreSQL runs as another system
    user when tests run as root, and each pytest session resets pytest's temp root to owner-only access.
    """
    home = Path(tempfile.gettempdir()) / f"purchase-path-gate-report-tests-{os.getpid()}"
    settings = Settings.from_env({"PURCHASE_PATH_HOME": str(home)})
    warehouse = wh.ready(settings)
    _create_tables(warehouse)
    yield warehouse
    wh.stop_embedded(settings.embedded_pgdata)
    shutil.rmtree(home, ignore_errors=True)


def _create_tables(warehouse: wh.Warehouse) -> None:
    with warehouse.connect("loader") as conn:
        ensure_ops_tables(conn)  # the connectors' load audit: where the gate sees that a stream loaded
        conn.execute(
            "create table if not exists raw.hubspot__contacts ("
            " natural_key text primary key, payload jsonb not null, source_updated_at timestamptz,"
            " extracted_at timestamptz not null, batch_id text not null,"
            " interval_start timestamptz, interval_end timestamptz)"
        )
    with warehouse.connect("transformer") as conn:
        conn.execute(
            "create table if not exists core.fct_touchpoints ("
            " touch_id text, customer_key text, occurred_at timestamptz, touch_date date, source_system text,"
            " touch_type text, channel text, journey_stage text, is_conversion boolean, revenue numeric,"
            " revenue_amount numeric, revenue_currency text, source_record_id text)"
        )
        conn.execute(
            "create table if not exists marts.mart_channel_performance ("
            " report_date date, channel text, touches bigint, customers bigint, conversions bigint,"
            " revenue numeric)"
        )


def touch(n: int, stage: str = "awareness", revenue: float | None = None, **overrides) -> dict:
    occurred_at = NOW - timedelta(days=n % 5, hours=1)
    row = {
        "touch_id": f"hubspot:{n}:crm_contact_created",
        "customer_key": f"c{n % 4}",
        "occurred_at": occurred_at,
        "touch_date": occurred_at.date(),
        "source_system": "hubspot",
        "touch_type": "crm_deal_won" if stage == "purchase" else "crm_contact_created",
        "channel": "email" if n % 2 else "paid_search",
        "journey_stage": stage,
        "is_conversion": stage == "purchase",
        "revenue": revenue,
        "revenue_amount": revenue,
        "revenue_currency": "EUR" if revenue is not None else None,
        "source_record_id": str(n),
    }
    return row | overrides


GOOD_TOUCHES = [touch(n) for n in range(8)] + [touch(100, "purchase", 250.0), touch(101, "purchase", 80.5)]
GOOD_MART = [
    (date(2024, 5, 1), "email", 5, 3, 1, 80.5),
    (date(2024, 5, 1), "paid_search", 5, 2, 1, 250),
]


def load(
    warehouse: wh.Warehouse,
    touches: list[dict] = GOOD_TOUCHES,
    mart: list[tuple] = GOOD_MART,
    contacts: int = 3,
    extracted_at: datetime | None = None,
    loaded_at: datetime | None = None,
) -> None:
    """Replace the three gated tables' contents, and the contacts stream's load audit."""
    extracted_at = extracted_at or NOW - timedelta(hours=1)
    loaded_at = loaded_at or extracted_at
    with warehouse.connect("loader") as conn:
        conn.execute("truncate raw.hubspot__contacts, ops.load_audit")
        conn.cursor().executemany(
            "insert into raw.hubspot__contacts (natural_key, payload, extracted_at, batch_id)"
            " values (%s, '{}', %s, 'test')",
            [(str(n), extracted_at) for n in range(contacts)],
        )
        conn.execute(
            "insert into ops.load_audit (batch_id, source, stream, interval_end, window_end, started_at,"
            " finished_at, status) values ('old-failure', 'hubspot', 'contacts', %(at)s, %(at)s, %(at)s,"
            " %(at)s, 'failed'), ('test', 'hubspot', 'contacts', %(loaded)s, %(loaded)s, %(loaded)s,"
            " %(loaded)s, 'succeeded')",
            {"at": NOW, "loaded": loaded_at},
        )
    with warehouse.connect("transformer") as conn:
        conn.execute("truncate core.fct_touchpoints, marts.mart_channel_performance")
        if touches:
            columns = list(touches[0])
            conn.cursor().executemany(
                f"insert into core.fct_touchpoints ({', '.join(columns)}) values ({', '.join(['%s'] * len(columns))})",
                [tuple(row[c] for c in columns) for row in touches],
            )
        conn.cursor().executemany("insert into marts.mart_channel_performance values (%s, %s, %s, %s, %s, %s)", mart)


def test_good_data_passes_and_leaves_a_summary(warehouse, tmp_path):
    load(warehouse)

    result = run_gate(warehouse, tables=CORE_TABLES, run_label="manual__2024-05-01", results_dir=tmp_path)

    assert result.passed and not result.failures
    assert result.row_counts == {
        "raw.hubspot__contacts": 3,
        "core.fct_touchpoints": 10,
        "marts.mart_channel_performance": 2,
    }
    assert {check.table for check in result.checks} == set(result.row_counts)
    assert len(result.checks) > 20
    summary = json.loads((tmp_path / "latest.json").read_text())
    assert summary["passed"] is True and summary["run_label"] == "manual__2024-05-01"
    assert datetime.fromisoformat(summary["validated_at"]) == result.validated_at
    assert result.summary_path.parent == tmp_path / "runs" and result.summary_path.exists()
    assert load_summary(tmp_path / "last_passed.json") == GateResult.from_dict(
        summary, summary_path=tmp_path / "last_passed.json"
    )


def test_runs_without_a_results_folder(warehouse):
    load(warehouse)
    result = run_gate(warehouse, tables=CORE_TABLES)
    assert result.passed and result.summary_path is None


def test_a_quiet_stream_is_fresh_when_its_extract_ran(warehouse):
    """No record changed for days, so no extracted_at moved; the load audit shows the extract still runs."""
    load(warehouse, extracted_at=NOW - timedelta(days=5), loaded_at=NOW - timedelta(hours=2))
    result = run_gate(warehouse, tables=CORE_TABLES)
    (freshness,) = [check for check in result.checks if check.expectation == "unexpected_rows_expectation"]
    assert freshness.success and freshness.observed.endswith("2.0 hours ago")


BAD_DATA = {
    "duplicate touch_id": (
        dict(touches=GOOD_TOUCHES + [touch(3, channel="direct")]),
        "core.fct_touchpoints",
        "expect_column_values_to_be_unique",
        "touch_id is unique",
    ),
    "null customer_key": (
        dict(touches=GOOD_TOUCHES + [touch(50, customer_key=None)]),
        "core.fct_touchpoints",
        "expect_column_values_to_not_be_null",
        "customer_key is never null",
    ),
    "negative revenue": (
        dict(touches=GOOD_TOUCHES + [touch(51, "purchase", -20.0)]),
        "core.fct_touchpoints",
        "expect_column_values_to_be_between",
        "revenue is not negative",
    ),
    "purchase without revenue": (
        dict(touches=GOOD_TOUCHES + [touch(52, "purchase", None)]),
        "core.fct_touchpoints",
        "expect_column_values_to_not_be_null",
        "every purchase touch has its amount",
    ),
    "unknown journey stage": (
        dict(touches=GOOD_TOUCHES + [touch(53, "window_shopping")]),
        "core.fct_touchpoints",
        "expect_column_values_to_be_in_set",
        "'window_shopping'",
    ),
    "empty fct_touchpoints": (
        dict(touches=[]),
        "core.fct_touchpoints",
        "expect_table_row_count_to_be_between",
        "observed: 0 rows",
    ),
    "conversions above touches": (
        dict(mart=GOOD_MART + [(date(2024, 5, 1), "direct", 2, 2, 3, 10)]),
        "marts.mart_channel_performance",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "touches=2, conversions=3",
    ),
    "negative mart revenue": (
        dict(mart=GOOD_MART + [(date(2024, 5, 1), "direct", 2, 2, 1, -10)]),
        "marts.mart_channel_performance",
        "expect_column_values_to_be_between",
        "revenue is not negative",
    ),
    "two rows for one day and channel": (
        dict(mart=GOOD_MART + [GOOD_MART[0]]),
        "marts.mart_channel_performance",
        "expect_compound_columns_to_be_unique",
        "one row per report_date and channel",
    ),
    "empty mart": (
        dict(mart=[]),
        "marts.mart_channel_performance",
        "expect_table_row_count_to_be_between",
        "observed: 0 rows",
    ),
    "empty raw contacts": (
        dict(contacts=0),
        "raw.hubspot__contacts",
        "expect_table_row_count_to_be_between",
        "observed: 0 rows",
    ),
    "stale raw contacts": (
        dict(extracted_at=NOW - timedelta(days=3)),
        "raw.hubspot__contacts",
        "unexpected_rows_expectation",
        "72.0 hours ago",
    ),
    "empty and stale raw contacts": (
        dict(extracted_at=NOW - timedelta(days=3), loaded_at=NOW - timedelta(days=2), contacts=0),
        "raw.hubspot__contacts",
        "expect_table_row_count_to_be_between",
        "stream hubspot.contacts loaded successfully in the last 26 hours",
    ),
}


@pytest.mark.parametrize("case", list(BAD_DATA))
def test_bad_data_fails_naming_table_and_expectation(warehouse, tmp_path, case):
    data, table, expectation, detail = BAD_DATA[case]
    load(warehouse, **data)

    with pytest.raises(QualityGateFailed) as failed:
        run_gate(warehouse, tables=CORE_TABLES, results_dir=tmp_path)

    message = str(failed.value)
    assert f"\n  {table}\n" in message
    assert f"[{expectation}]" in message
    assert detail in message
    failures = [(f.table, f.expectation) for f in failed.value.result.failures]
    # Empty, and its last successful load two days ago: both rules broken. Every other case breaks one.
    extra = [(table, "unexpected_rows_expectation")] if case == "empty and stale raw contacts" else []
    assert failures == [(table, expectation), *extra]
    assert message.startswith(f"Quality gate failed: {len(failures)} of ")
    summary = json.loads((tmp_path / "latest.json").read_text())
    assert summary["passed"] is False and summary["checks_failed"] == len(failures)
    assert not (tmp_path / "last_passed.json").exists()


def test_message_lists_every_failure_grouped_by_table(warehouse):
    load(warehouse, touches=GOOD_TOUCHES + [touch(3, customer_key=None)], mart=[])

    with pytest.raises(QualityGateFailed) as failed:
        run_gate(warehouse, tables=CORE_TABLES, run_label="scheduled__2024-05-01T00:00:00+00:00")

    message = str(failed.value)
    assert "3 of" in message.splitlines()[0] and "on 2 of 3 tables" in message.splitlines()[0]
    assert "run scheduled__2024-05-01T00:00:00+00:00" in message
    assert message.index("core.fct_touchpoints") < message.index("marts.mart_channel_performance")
    for description in ("touch_id is unique", "customer_key is never null", "table has at least 1 row"):
        assert description in message
    assert "2 of 11 rows violate it, e.g. 'hubspot:3:crm_contact_created'" in message


def test_volume_may_not_collapse_against_the_last_passed_run(warehouse, tmp_path):
    many = GOOD_TOUCHES + [touch(n) for n in range(200, 230)]
    load(warehouse, touches=many)
    run_gate(warehouse, tables=CORE_TABLES, results_dir=tmp_path)

    load(warehouse, touches=many[:15])
    with pytest.raises(QualityGateFailed) as failed:
        run_gate(warehouse, tables=CORE_TABLES, results_dir=tmp_path)

    (failure,) = failed.value.result.failures
    assert failure.table == "core.fct_touchpoints"
    assert "last passed gate run" in failure.description
    assert failure.observed == "15 rows (at least 20 needed: the last passed run saw 40)"

    load(warehouse, touches=many[:25])  # a smaller drop passes, and becomes the new reference
    assert run_gate(warehouse, tables=CORE_TABLES, results_dir=tmp_path).passed
    assert load_summary(tmp_path / "last_passed.json").row_counts["core.fct_touchpoints"] == 25


def test_missing_table_fails_and_the_others_are_still_checked(warehouse):
    load(warehouse, touches=GOOD_TOUCHES + [touch(60, customer_key=None)])
    with warehouse.connect("transformer") as conn:
        conn.execute("alter table marts.mart_channel_performance rename to mart_channel_performance_away")
    try:
        with pytest.raises(QualityGateFailed) as failed:
            run_gate(warehouse, tables=CORE_TABLES)
    finally:
        with warehouse.connect("transformer") as conn:
            conn.execute("alter table marts.mart_channel_performance_away rename to mart_channel_performance")

    result = failed.value.result
    assert [(f.table, f.expectation) for f in result.failures] == [
        ("core.fct_touchpoints", "expect_column_values_to_not_be_null"),
        ("marts.mart_channel_performance", "table_is_readable"),
    ]
    assert "the table does not exist" in str(failed.value)
    assert result.row_counts["marts.mart_channel_performance"] is None


def test_missing_column_fails_with_the_database_error(warehouse):
    load(warehouse)
    with warehouse.connect("transformer") as conn:
        conn.execute("alter table core.fct_touchpoints rename column revenue_currency to currency")
    try:
        with pytest.raises(QualityGateFailed) as failed:
            run_gate(warehouse, tables=CORE_TABLES)
    finally:
        with warehouse.connect("transformer") as conn:
            conn.execute("alter table core.fct_touchpoints rename column currency to revenue_currency")

    (failure,) = failed.value.result.failures
    assert failure.observed.startswith("could not be evaluated:") and "revenue_currency" in failure.observed


def test_failure_survives_pickling_and_json(warehouse):
    load(warehouse, mart=[])
    with pytest.raises(QualityGateFailed) as failed:
        run_gate(warehouse, tables=CORE_TABLES)

    copy = pickle.loads(pickle.dumps(failed.value))
    assert str(copy) == str(failed.value)
    result = failed.value.result
    assert GateResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result
    assert GateResult.from_dict(json.loads(json.dumps(result.summary()))) == result  # e.g. through XCom


def test_importing_the_gate_does_not_import_great_expectations():
    code = "import sys, expectations, reports; sys.exit('great_expectations' in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
