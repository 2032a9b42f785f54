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


def prepare_warehouse() -> str:
    """Start the warehouse if it is the embedded one, and bootstrap roles and schemas."""
    return warehouse.ready().describe()


def extract(source: str, interval_start: datetime | None, interval_end: datetime) -> list[dict]:
    """Sync one source for a data interval into raw. Returns per-stream counts (small: fit for XCom)."""
    from connectors.registry import extract as extract_source

    results = extract_source(source, warehouse.resolve(), interval_start, interval_end)
    return [result.as_dict() for result in results]


def quality_gate(run_label: str) -> dict:
    """Validate raw, core and marts with Great Expectations. Raises when data must not reach a report."""
    from expectations.gate import run_gate

    result = run_gate(warehouse.resolve(), run_label=run_label)
    return result.summary()


def render_report(report_date: date) -> str:
    """Render the stakeholder report for ``report_date``; returns the file's path."""
    from reports import render_report as render

    settings = Settings.from_env()
    return str(render(warehouse.resolve(settings), report_date, settings.report_dir))
