"""Daily path-to-purchase pipeline: extract every source → dbt → quality gate → data-driven attribution → report.

Wiring only: each step lives in ``purchase_path.pipeline``; dbt runs through Cosmos, one task per layer.

dbt builds incrementally and tests the rows it wrote. The run whose data interval ends on a Sunday, and any run
triggered with the param ``full_refresh``, is the full build: every model rebuilt from raw, every data test over
every row (docs/warehouse.md, "Daily and weekly builds").
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.sdk import dag, task
from airflow.timetables.interval import CronDataIntervalTimetable

from connectors.registry import SOURCES
from purchase_path import pipeline
from purchase_path.orchestration import dbt_task_group, default_args, full_refresh_param


@dag(
    dag_id="path_to_purchase_daily",
    schedule=CronDataIntervalTimetable("@daily", timezone="UTC"),
    start_date=datetime(2026, 7, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    params=full_refresh_param(),
    tags=["purchase-path", "daily"],
    doc_md=__doc__,
)
def path_to_purchase_daily():
    @task
    def prepare_warehouse() -> str:
        return pipeline.prepare_warehouse()

    @task
    def extract(source: str, data_interval_start=None, data_interval_end=None) -> list[dict]:
        return pipeline.extract(source, data_interval_start, data_interval_end)

    @task
    def quality_gate(run_id=None) -> dict:
        return pipeline.quality_gate(run_label=run_id)

    @task
    def attribute(gate_summary: dict, run_id=None) -> dict:
        return pipeline.attribute(run_label=run_id)

    @task
    def report(gate_summary: dict, data_interval_start=None) -> str:
        return pipeline.render_report(data_interval_start.date(), gate_summary)

    extracts = [extract.override(task_id=f"extract_{source}")(source) for source in SOURCES]
    transform = dbt_task_group()
    prepare_warehouse() >> extracts
    gate = quality_gate()
    extracts >> transform >> gate
    attribute(gate) >> report(gate)


path_to_purchase_daily()
