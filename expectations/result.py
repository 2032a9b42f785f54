"""What a quality-gate run found, in plain data.

Nothing here imports Great Expectations: the report, the DAG files and the CLI read gate results without
paying for that import. A :class:`GateResult` round-trips through JSON (``to_dict`` / ``from_dict``), so one
Airflow task can run the gate and another can render the report from the summary file or from XCom.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class CheckOutcome:
    """One expectation on one table, and what the gate saw.

    Attributes:
        table: ``schema.table``.
        expectation: the Great Expectations type, e.g. ``expect_column_values_to_be_unique``.
        description: what the expectation demands, in words (``touch_id is unique``).
        success: whether the data met it.
        observed: what was seen, in words (``2 of 40 rows, e.g. 'hubspot:51:crm_contact_created'``).
        observed_value: the number behind ``observed`` where there is one (row count, unexpected rows, a max).
    """

    table: str
    expectation: str
    description: str
    success: bool
    observed: str
    observed_value: Any = None


@dataclass(frozen=True)
class GateResult:
    """The outcome of one gate run.

    Attributes:
        passed: every check succeeded.
        checks: one outcome per expectation, in suite order, tables in gate order.
        validated_at: when the validation ran (UTC).
        run_label: the caller's label for the run (e.g. the Airflow run id or the data interval), if any.
        row_counts: rows per gated table as the gate saw them (``None`` where the table could not be read).
        duration_seconds: wall time of the run, Great Expectations' import included.
        summary_path: where the JSON summary was written, if a folder was given.
    """

    passed: bool
    checks: list[CheckOutcome]
    validated_at: datetime
    run_label: str | None = None
    row_counts: dict[str, int | None] = field(default_factory=dict)
    duration_seconds: float | None = None
    summary_path: Path | None = None

    @property
    def failures(self) -> list[CheckOutcome]:
        return [check for check in self.checks if not check.success]

    @property
    def tables(self) -> list[str]:
        return list(dict.fromkeys(check.table for check in self.checks))

    def failure_message(self) -> str:
        """Every failed expectation in one block, grouped by table: what the Airflow task log shows."""
        failures = self.failures
        if not failures:
            return f"Quality gate passed: {len(self.checks)} checks on {len(self.tables)} tables."
        failed_tables = list(dict.fromkeys(check.table for check in failures))
        run = f"run {self.run_label}, " if self.run_label else ""
        lines = [
            f"Quality gate failed: {len(failures)} of {len(self.checks)} checks failed "
            f"on {len(failed_tables)} of {len(self.tables)} tables "
            f"({run}validated at {self.validated_at.isoformat(timespec='seconds')}).",
        ]
        for table in failed_tables:
            lines.append(f"  {table}")
            for check in failures:
                if check.table == table:
                    lines.append(f"    - {check.description} [{check.expectation}]")
                    lines.append(f"      observed: {check.observed}")
        lines.append("Reports stay held until the data is fixed and the gate passes.")
        return "\n".join(lines)

    def summary(self) -> dict[str, Any]:
        """What a gate task returns as XCom, JSON-ready; ``GateResult.from_dict`` makes it a result again."""
        return {**self.to_dict(), "summary_path": str(self.summary_path) if self.summary_path else None}

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data: the summary file's content."""
        return {
            "passed": self.passed,
            "validated_at": self.validated_at.isoformat(),
            "run_label": self.run_label,
            "duration_seconds": self.duration_seconds,
            "checks_total": len(self.checks),
            "checks_failed": len(self.failures),
            "row_counts": dict(self.row_counts),
            "checks": [asdict(check) for check in self.checks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], summary_path: Path | None = None) -> GateResult:
        """The result back from ``to_dict()`` or ``summary()`` output (e.g. an upstream task's XCom)."""
        if summary_path is None and data.get("summary_path"):
            summary_path = Path(data["summary_path"])
        return cls(
            passed=bool(data["passed"]),
            checks=[CheckOutcome(**check) for check in data.get("checks", [])],
            validated_at=datetime.fromisoformat(data["validated_at"]),
            run_label=data.get("run_label"),
            row_counts=dict(data.get("row_counts") or {}),
            duration_seconds=data.get("duration_seconds"),
            summary_path=summary_path,
        )


def load_summary(path: Path) -> GateResult:
    """Read a summary that :func:`expectations.gate.run_gate` wrote (e.g. its folder's ``latest.json``)."""
    return GateResult.from_dict(json.loads(Path(path).read_text(encoding="utf-8")), summary_path=Path(path))


class QualityGateFailed(Exception):
    """The data must not reach a report. The message lists every failed expectation; ``result`` has all."""

    def __init__(self, result: GateResult) -> None:
        super().__init__(result.failure_message())
        self.result = result

    def __reduce__(self):  # a custom __init__ needs this to pickle (e.g. across Airflow worker processes)
        return (type(self), (self.result,))
