"""The Great Expectations quality gate that stands between the warehouse and the reports.

``run_gate(warehouse)`` validates the gated tables (:mod:`expectations.suites`) with one checkpoint and raises
``QualityGateFailed`` when data must not reach a report. Importing this package does not import Great
Expectations (that happens when the gate runs), so DAG files may import it freely.
"""

from expectations.gate import run_gate
from expectations.result import CheckOutcome, GateResult, QualityGateFailed, load_summary

__all__ = ["CheckOutcome", "GateResult", "QualityGateFailed", "load_summary", "run_gate"]
