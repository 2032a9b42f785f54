"""The quality gate: validate the gated tables with one Great Expectations checkpoint before any report.

``run_gate`` builds an ephemeral Great Expectations context for each run (GX writes nothing to disk, so
there is no ``uncommitted/`` folder), with one SQL data source on the warehouse as role ``transformer``, one
table asset, suite and validation definition per gated table, and one checkpoint over them all. What it found
comes back as a :class:`~expectations.result.GateResult`; when anything failed,
:class:`~expectations.result.QualityGateFailed` is raised with every failed expectation in its message.

Given ``results_dir``, each run leaves a JSON summary there (``runs/<time>_<label>.json`` and
``latest.json``), and ``last_passed.json`` keeps the row counts the volume-against-history expectations
compare with.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from expectations.result import CheckOutcome, GateResult, QualityGateFailed
from expectations.suites import GATED_TABLES, GatedTable, last_load_sql, suite_expectations
from purchase_path.warehouse import TRANSFORMER, Warehouse

if TYPE_CHECKING:
    from great_expectations.core import ExpectationValidationResult
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

__all__ = ["GateResult", "QualityGateFailed", "run_gate"]

log = logging.getLogger(__name__)

CHECKPOINT_NAME = "purchase_path_gate"
DATASOURCE_NAME = "warehouse"
LATEST_FILE, LAST_PASSED_FILE, RUNS_FOLDER = "latest.json", "last_passed.json", "runs"
# Not a GX expectation: checked before GX runs, as GX cannot validate some tables and skip a missing one.
TABLE_READABLE = "table_is_readable"


def run_gate(
    warehouse: Warehouse,
    *,
    run_label: str | None = None,
    results_dir: Path | None = None,
    tables: Sequence[GatedTable] = GATED_TABLES,
) -> GateResult:
    """Validate ``tables`` in ``warehouse``; return what was found, or raise if anything failed.

    Args:
        warehouse: the warehouse; validation connects as role ``transformer``.
        run_label: names the run in the result, the summary and the failure message (e.g. the Airflow run id).
        results_dir: where to write the JSON summary and keep the volume history; ``None`` writes nothing and
            compares with no history.
        tables: what to validate; the project's gated tables by default.

    Raises:
        QualityGateFailed: some expectation failed; the message lists each one, ``.result`` holds the result.
        WarehouseError: the warehouse cannot be reached.
    """
    started = time.perf_counter()
    validated_at = datetime.now(UTC)
    history = _last_passed_row_counts(results_dir, warehouse)

    unreadable, last_loads = _inspect(warehouse, tables)
    readable = [table for table in tables if table.relation not in unreadable]
    checks = [
        CheckOutcome(
            table=relation,
            expectation=TABLE_READABLE,
            description=f"table exists and role {TRANSFORMER} can read it",
            success=False,
            observed=problem,
        )
        for relation, problem in unreadable.items()
    ]
    row_counts: dict[str, int | None] = dict.fromkeys(unreadable)
    if readable:
        seen = Seen(history=history, last_loads=last_loads, validated_at=validated_at)
        validated, counted = _validate(warehouse, readable, seen, run_label)
        checks += validated
        row_counts.update(counted)
    order = {table.relation: position for position, table in enumerate(tables)}
    checks.sort(key=lambda check: order[check.table])  # stable: suite order is kept within a table

    result = GateResult(
        passed=all(check.success for check in checks),
        checks=checks,
        validated_at=validated_at,
        run_label=run_label,
        row_counts={table.relation: row_counts.get(table.relation) for table in tables},
        duration_seconds=round(time.perf_counter() - started, 3),
    )
    if results_dir is not None:
        result = replace(result, summary_path=_write_summary(Path(results_dir), result, warehouse))
    if not result.passed:
        raise QualityGateFailed(result)
    log.info(
        "quality gate passed: %d checks on %d tables in %.1f s%s",
        len(result.checks),
        len(result.tables),
        result.duration_seconds,
        f"; summary at {result.summary_path}" if result.summary_path else "",
    )
    return result


@dataclass(frozen=True)
class Seen:
    """What the gate knows besides GX's results, to say what it observed in words."""

    history: dict[str, int]  # row counts at the last passed run
    last_loads: dict[str, datetime | None]  # when each raw table's stream last loaded successfully
    validated_at: datetime


def _inspect(warehouse: Warehouse, tables: Sequence[GatedTable]) -> tuple[dict[str, str], dict[str, datetime | None]]:
    """Which tables GX could not open, and why; and when each readable raw table was last loaded.

    The first is checked before GX runs, so one missing table hides no other's results. The second only
    describes what GX's freshness expectation decides; where it cannot be read, GX reports the error.
    """
    problems: dict[str, str] = {}
    last_loads: dict[str, datetime | None] = {}
    with warehouse.connect(TRANSFORMER, autocommit=True) as conn:
        for table in tables:
            oid, can_read = conn.execute(
                "select c.oid, has_table_privilege(c.oid, 'select') "
                "from pg_class as c join pg_namespace as n on n.oid = c.relnamespace "
                "where n.nspname = %s and c.relname = %s",
                (table.schema, table.name),
            ).fetchone() or (None, None)
            if oid is None:
                problems[table.relation] = "the table does not exist (has its load or dbt model run?)"
            elif not can_read:
                problems[table.relation] = f"role {TRANSFORMER} has no SELECT on it (re-run the warehouse bootstrap)"
            elif table.max_load_age is not None:
                with contextlib.suppress(psycopg.Error):
                    query = last_load_sql(table, table.relation)
                    (last_loads[table.relation],) = conn.execute(query).fetchone()
    return problems, last_loads


def _validate(
    warehouse: Warehouse,
    tables: Sequence[GatedTable],
    seen: Seen,
    run_label: str | None,
) -> tuple[list[CheckOutcome], dict[str, int | None]]:
    """Run the checkpoint over ``tables``; return the outcomes and each table's row count."""
    # GX logs hundreds of lines at INFO while importing and running; the task log needs only its warnings.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )
    from great_expectations.datasource.fluent.interfaces import GxDatasourceWarning

    context = gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        ),
    )
    with warnings.catch_warnings():
        # GX suggests its PostgresDatasource, whose URL check rejects a Unix-socket host (the embedded
        # warehouse's); the generic SQL data source runs the same SQLAlchemy dialect.
        warnings.simplefilter("ignore", GxDatasourceWarning)
        datasource = context.data_sources.add_sql(
            DATASOURCE_NAME, connection_string=warehouse.sqlalchemy_url(role=TRANSFORMER)
        )
    try:
        definitions = []
        suite_order: dict[str, int] = {}
        for table in tables:
            asset = datasource.add_table_asset(table.relation, table_name=table.name, schema_name=table.schema)
            suite = context.suites.add(gx.ExpectationSuite(name=table.relation, expectations=suite_expectations(table)))
            suite_order.update((expectation.id, position) for position, expectation in enumerate(suite.expectations))
            definitions.append(
                context.validation_definitions.add(
                    gx.ValidationDefinition(
                        name=table.relation,
                        data=asset.add_batch_definition_whole_table("whole_table"),
                        suite=suite,
                    )
                )
            )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=CHECKPOINT_NAME,
                validation_definitions=definitions,
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5},
            )
        )
        run = checkpoint.run(
            expectation_parameters=_parameters(tables, seen.history),
            run_id=RunIdentifier(run_name=run_label, run_time=seen.validated_at),
        )
    finally:
        datasource.get_execution_engine().close()

    by_relation = {table.relation: table for table in tables}
    checks: list[CheckOutcome] = []
    row_counts: dict[str, int | None] = {}
    for suite_result in run.run_results.values():
        table = by_relation[suite_result.suite_name]
        # GX reports some failures ahead of the rest; keep the suite's order, which reads top to bottom.
        results = sorted(suite_result.results, key=lambda r: suite_order.get(r.expectation_config.id, 0))
        for expectation_result in results:
            check = _outcome(table, expectation_result, seen)
            checks.append(check)
            if check.expectation == "expect_table_row_count_to_be_between":
                row_counts.setdefault(table.relation, check.observed_value)
    return checks, row_counts


def _parameters(tables: Sequence[GatedTable], history: dict[str, int]) -> dict[str, Any]:
    """Suite parameters: the values the suites need that are only known at run time."""
    return {
        table.history_parameter: 0
        if table.relation not in history
        else math.ceil(history[table.relation] * (1 - table.max_row_drop))
        for table in tables
        if table.max_row_drop is not None
    }


def _outcome(table: GatedTable, result: ExpectationValidationResult, seen: Seen) -> CheckOutcome:
    config = result.expectation_config
    kwargs = config.kwargs
    details = result.result or {}
    observed_value: Any = None
    errors = _exception_messages(result.exception_info)
    if errors:
        observed = "could not be evaluated: " + "; ".join(errors)
    elif (config.meta or {}).get("freshness"):
        last_load = seen.last_loads.get(table.relation)
        observed_value = last_load.astimezone(UTC).isoformat() if last_load else None
        if last_load is None:
            observed = "no successful load at all"
        else:
            hours = (seen.validated_at - last_load).total_seconds() / 3600
            observed = f"last loaded {last_load.astimezone(UTC):%Y-%m-%d %H:%M} UTC, {hours:.1f} hours ago"
    elif "observed_value" in details:
        observed_value = details["observed_value"]
        if isinstance(observed_value, datetime):
            observed_value = observed_value.astimezone(UTC).isoformat()
        observed = _describe_observed_value(table, config, observed_value, seen.history)
    elif "unexpected_count" in details:
        observed_value = details["unexpected_count"]
        total = details.get("element_count")
        if total is None:
            observed = _rows(observed_value)
        elif kwargs.get("row_condition"):
            observed = f"{observed_value} of the {_rows(total)} it applies to"
        else:
            observed = f"{observed_value} of {_rows(total)}"
        observed += " violate it" if observed_value else " checked, none violate it"
        examples = _examples(details.get("partial_unexpected_list") or [], kwargs)
        if observed_value and examples:
            observed += ", e.g. " + "; ".join(examples)
    else:
        observed = json.dumps(details, default=str)[:300]
    return CheckOutcome(
        table=table.relation,
        expectation=config.type,
        description=config.description or config.type,
        success=bool(result.success),
        observed=observed,
        observed_value=observed_value,
    )


def _describe_observed_value(
    table: GatedTable, config: ExpectationConfiguration, value: Any, history: dict[str, int]
) -> str:
    if config.type == "expect_table_row_count_to_be_between":
        text = _rows(value)
        if (config.meta or {}).get("history"):
            previous = history.get(table.relation)
            if previous is None:
                text += " (no earlier passed run to compare with)"
            else:
                needed = math.ceil(previous * (1 - (table.max_row_drop or 0)))
                text += f" (at least {needed} needed: the last passed run saw {previous})"
        return text
    return str(value)


def _exception_messages(info: Any) -> list[str]:
    """First lines of the errors GX caught: one ``ExceptionInfo``, or one per failed metric, by metric id."""
    if not isinstance(info, dict):
        return []
    if "exception_message" in info:
        message = str(info.get("exception_message") or "").strip()
        if not info.get("raised_exception"):
            return []
        return [message.splitlines()[0] if message else "an unknown error"]
    messages: dict[str, None] = {}
    for value in info.values():
        for message in _exception_messages(value):
            messages.setdefault(message)
    return list(messages)


def _rows(count: Any) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _examples(unexpected: list, kwargs: dict) -> list[str]:
    """A few offending values, readable: pairs name their columns; nulls say nothing and are left out."""
    seen: dict[str, None] = {}
    for value in unexpected:
        if value is None:
            continue
        if "column_A" in kwargs and isinstance(value, list | tuple) and len(value) == 2:
            text = f"{kwargs['column_A']}={value[0]}, {kwargs['column_B']}={value[1]}"
        else:
            text = repr(value) if isinstance(value, str) else str(value)
        seen.setdefault(text)
    return list(seen)[:3]


def _last_passed_row_counts(results_dir: Path | None, warehouse: Warehouse) -> dict[str, int]:
    """Row counts of the last passed run on this same warehouse: what the volume expectations compare with."""
    if results_dir is None:
        return {}
    path = Path(results_dir) / LAST_PASSED_FILE
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        log.warning("ignoring unreadable gate history %s: %s", path, error)
        return {}
    if summary.get("warehouse") != warehouse.describe():
        return {}
    return {table: int(rows) for table, rows in (summary.get("row_counts") or {}).items() if rows is not None}


def _write_summary(results_dir: Path, result: GateResult, warehouse: Warehouse) -> Path:
    summary = {"gate": CHECKPOINT_NAME, "warehouse": warehouse.describe(), **result.to_dict()}
    stamp = result.validated_at.strftime("%Y%m%dT%H%M%S.%fZ")
    label = re.sub(r"[^A-Za-z0-9._-]+", "_", result.run_label)[:100] if result.run_label else ""
    path = results_dir / RUNS_FOLDER / (f"{stamp}_{label}.json" if label else f"{stamp}.json")
    _write_json(path, summary)
    _write_json(results_dir / LATEST_FILE, summary)
    if result.passed:
        _write_json(results_dir / LAST_PASSED_FILE, summary)
    return path


def _write_json(path: Path, data: dict) -> None:
    """Write atomically: a reader (the report, the next gate run) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=2, default=str)
            file.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
