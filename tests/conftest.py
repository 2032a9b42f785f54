"""Shared fixtures: one real embedded PostgreSQL and one real sandbox server per test session.

The session gets its own ``PURCHASE_PATH_HOME`` (warehouse data, Airflow home, reports) in a temporary folder,
set before Airflow is imported anywhere, so tests never touch the developer's ``.data``. Set ``WAREHOUSE_URL``
to run the suite against another PostgreSQL instead.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_HOME = Path(tempfile.mkdtemp(prefix="pp-test-"))
os.environ["PURCHASE_PATH_HOME"] = str(_HOME)
for _name in [name for name in os.environ if name.startswith(("AIRFLOW_CONN_", "AIRFLOW__"))]:
    del os.environ[_name]

from purchase_path import warehouse as wh  # noqa: E402
from purchase_path.airflow_env import airflow_config, airflow_connections  # noqa: E402
from purchase_path.settings import Settings  # noqa: E402

os.environ.update(airflow_config(Settings.from_env()))

SANDBOX_SEED = 7
SANDBOX_BUYERS = 400


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session")
def warehouse(settings: Settings):
    w = wh.ready(settings)
    yield w
    if not settings.warehouse_url:
        wh.stop_embedded(settings.embedded_pgdata)


@pytest.fixture(scope="session")
def world():
    from sandbox.world import World

    return World.generate(seed=SANDBOX_SEED, buyers=SANDBOX_BUYERS)


@pytest.fixture(scope="session")
def sandbox(world):
    from sandbox.server import SandboxServer

    server = SandboxServer(world, landing_dir=Path(os.environ["PURCHASE_PATH_HOME"]) / "landing" / "offline").start()
    yield server
    server.stop()


@pytest.fixture
def sources_configured(sandbox, monkeypatch):
    """Every source's connection pointed at the sandbox, as a user would configure it."""
    for name, value in sandbox.airflow_connections().items():
        monkeypatch.setenv(name, value)
    return sandbox


@pytest.fixture
def airflow_connected(warehouse, sandbox, monkeypatch):
    """Airflow's connections to the test warehouse and the sandbox, as `make airflow` sets them."""
    for name, value in airflow_connections(warehouse, sandbox.airflow_connections()).items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def clock(server):
    """Move the test module's own ``server`` fixture's clock (``clock(moment)``); put back after the test."""
    before = server.now
    yield server.set_clock
    server.set_clock(before)


@pytest.fixture
def faults(server):
    """Make the test module's own ``server`` misbehave (``faults("429:3", ...)``); behave again after the test."""
    from sandbox.faults import FaultPlan

    yield lambda *specs: server.set_faults(FaultPlan.parse(specs))
    server.set_faults(None)


@pytest.fixture
def clean_raw(warehouse):
    """Drop what the connectors wrote, so a test starts from an empty raw schema and no bookmarks."""

    def clean() -> None:
        with warehouse.connect(autocommit=True) as conn:
            tables = conn.execute(
                "select schemaname || '.' || tablename from pg_tables where schemaname in ('raw', 'ops')"
            ).fetchall()
            for (table,) in tables:
                conn.execute(f"drop table {table} cascade")

    clean()
    return clean


@pytest.fixture(scope="session")
def dbt_manifest():
    """A fresh dbt manifest: the DAG lays out its dbt tasks from it."""
    from purchase_path.transform import run_dbt

    run_dbt(["parse", "--quiet"], None)


def pytest_sessionfinish(session, exitstatus):
    import shutil

    shutil.rmtree(_HOME, ignore_errors=True)
