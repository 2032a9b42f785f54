"""The daily pipeline's steps as plain functions: the DAG calls them, so do the CLI and the tests.

Each step resolves the warehouse itself (``WAREHOUSE_URL``, the ``warehouse_default`` connection, or the embedded
one), so a step runs the same in an Airflow worker, in ``dag.test()`` and from a shell.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from purchase_path import warehouse
from purchase_path.settings import Settings

log = logging.getLogger(__name__)

# A ground-truth channel_contributions.csv for the report's "which model to trust" section (the demo sets it).
ATTRIBUTION_TRUTH_VARIABLE = "PURCHASE_PATH_ATTRIBUTION_TRUTH"


def prepare_warehouse() -> str:
    """Start the warehouse if it is the embedded one, bootstrap roles and schemas, and create every source's raw
    tables, so that dbt builds whichever sources are configured."""
    from connectors.registry import ensure_raw_tables

    ready = warehouse.ready()
    ensure_raw_tables(ready)
    return ready.describe()


def extract(source: str, interval_start: datetime | None, interval_end: datetime) -> list[dict]:
    """Sync one source for a data interval into raw. Returns per-stream counts (small: fit for XCom)."""
    from connectors.registry import extract as extract_source

    results = extract_source(source, warehouse.resolve(), interval_start, interval_end)
    return [result.as_dict() for result in results]


def quality_gate(run_label: str) -> dict:
    """Validate raw, core and marts with Great Expectations. Raises when data must not reach a report.

    Returns the gate's summary (JSON-ready, for XCom); run summaries are kept under ``$PURCHASE_PATH_HOME/quality``
    so that volume checks compare against the last passed run.
    """
    from expectations import run_gate

    settings = Settings.from_env()
    result = run_gate(warehouse.resolve(settings), run_label=run_label, results_dir=settings.quality_dir)
    return result.summary()


def attribute(run_label: str) -> dict:
    """Run the data-driven attribution models (Markov, Shapley) on the warehouse's journeys, after the quality gate.

    Writes their credits back (``attribution.warehouse``), then rebuilds the dbt models that read them
    (``fct_attribution_credits`` and the marts downstream, and the intervals mart), so the report sees this run's
    credits and intervals. Returns the run's summary (small: fit for XCom).
    """
    from attribution.warehouse import run_on_warehouse
    from purchase_path.transform import PRODUCTION_BUILD_FLAGS, run_dbt

    target = warehouse.resolve()
    summary = run_on_warehouse(target, run_label=run_label)
    run_dbt(
        ["build", "--select", "fct_attribution_credits+", "mart_attribution_intervals", *PRODUCTION_BUILD_FLAGS], target
    )
    return summary.as_dict()


def render_report(report_date: date, gate_summary: dict | None) -> str:
    """Render the stakeholder report for ``report_date``, stating the gate's verdict; returns the file's path.

    Money is labelled with the dbt var ``reporting_currency`` (dbt_project.yml), the currency the marts are built
    in. When ``PURCHASE_PATH_ATTRIBUTION_TRUTH`` names a ``channel_contributions.csv`` of true channel
    contributions (the demo sets it to its sandbox world's), the attribution section scores every model against it.
    """
    import os
    from pathlib import Path

    from expectations import GateResult
    from reports import render_report as render
    from reports.data import dbt_reporting_currency

    settings = Settings.from_env()
    gate = GateResult.from_dict(gate_summary) if gate_summary else None
    truth = os.environ.get(ATTRIBUTION_TRUTH_VARIABLE) or None
    path = render(
        warehouse.resolve(settings),
        report_date,
        settings.report_dir,
        gate=gate,
        currency=dbt_reporting_currency(),
        attribution_truth=Path(truth) if truth else None,
    )
    return str(path)
