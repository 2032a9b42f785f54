"""Stakeholder reports: numbers from the marts (:mod:`reports.data`), laid out as HTML (:mod:`reports.html`).

The PDF and the email come later and reuse :func:`reports.data.load_report_data`, so every format shows the
same numbers.
"""

from reports.data import ReportData, ReportError, load_report_data
from reports.html import render_report, report_path

__all__ = ["ReportData", "ReportError", "load_report_data", "render_report", "report_path"]
