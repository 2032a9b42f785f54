"""The report tests' warehouse: one real embedded PostgreSQL for every module here, with the marts the report reads."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from purchase_path import warehouse as wh
from purchase_path.settings import Settings


@pytest.fixture(scope="session")
def warehouse_settings() -> Settings:
    """The report tests' settings: a home of their own, so ``Settings.from_env`` can find the same warehouse.

    The home is under the system temp folder, not pytest's: the embedded PostgreSQL runs as another system
    user when tests run as root, and each pytest session resets pytest's temp root to owner-only access.
    """
    home = Path(tempfile.gettempdir()) / f"purchase-path-gate-report-tests-{os.getpid()}"
    return Settings.from_env({"PURCHASE_PATH_HOME": str(home)})


@pytest.fixture(scope="session")
def warehouse(warehouse_settings: Settings):
    """One embedded warehouse for the session, shared by every report test."""
    settings = warehouse_settings
    home = settings.home
    warehouse = wh.ready(settings)
    with warehouse.connect("transformer") as conn:
        conn.execute(
            "create table if not exists marts.mart_channel_performance ("
            " report_date date, channel text, touches bigint, customers bigint, conversions bigint,"
            " revenue numeric)"
        )
    yield warehouse
    wh.stop_embedded(settings.embedded_pgdata)
    shutil.rmtree(home, ignore_errors=True)
