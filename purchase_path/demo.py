"""``make demo`` and ``make airflow``: the pipeline on the sandbox world, on this machine, with nothing to set up.

The demo starts the embedded warehouse and the sandbox (a real HTTP server on loopback that speaks the vendors'
APIs), runs the daily DAG once through Airflow (``airflow dags test``) for the last day of the sandbox world, and
prints what it built. Running it again gives the same tables: every step is idempotent.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from purchase_path import warehouse
from purchase_path.airflow_env import airflow_environment
from purchase_path.pipeline import ATTRIBUTION_TRUTH_VARIABLE
from purchase_path.settings import Settings
from purchase_path.transform import run_dbt

if TYPE_CHECKING:
    from sandbox.world import World

DAG_ID = "path_to_purchase_daily"
SUMMARY_TABLES = (
    "raw.hubspot__contacts",
    "raw.matomo__visits",
    "raw.mailchimp__email_activity",
    "raw.google_ads__click_views",
    "core.dim_customers",
    "core.fct_touchpoints",
    "core.fct_conversions",
    "marts.mart_journeys",
    "marts.mart_funnel",
    "marts.mart_attribution",
    "marts.mart_channel_performance",
)


def step(number: int, total: int, text: str) -> None:
    click.secho(f"[{number}/{total}] {text}", fg="cyan", bold=True)


@contextmanager
def running_sandbox(settings: Settings, seed: int, buyers: int, port: int = 0):
    """The sandbox APIs, and its offline CSV exports dropped in the landing folder under the project's home."""
    from sandbox.server import SandboxServer
    from sandbox.world import World

    world = World.generate(seed=seed, buyers=buyers)
    server = SandboxServer(world, port=port, landing_dir=settings.home / "landing" / "offline").start()
    try:
        yield server
    finally:
        server.stop()


def write_attribution_truth(settings: Settings, world: World) -> Path:
    """Write the demo world's ground truth under the project's home; return its ``channel_contributions.csv``.

    The report's attribution section scores every model against it, so the demo shows which model comes closest.
    """
    truth_dir = settings.home / "truth"
    world.write_truth(truth_dir)
    return truth_dir / "channel_contributions.csv"


def airflow_cli(args: list[str], env: dict[str, str], log_file: Path | None = None) -> int:
    """Run an ``airflow`` command of this venv; its output goes to ``log_file`` when given."""
    command = [str(Path(sys.executable).with_name("airflow")), *args]
    if log_file is None:
        return subprocess.call(command, env=env)
    with log_file.open("ab") as out:
        return subprocess.call(command, env=env, stdout=out, stderr=subprocess.STDOUT)


TASK_STARTED = re.compile(r"\[DAG TEST\] running task <TaskInstance: [\w.-]+?\.([\w.-]+) ")


def run_dag_test(logical_date: datetime, env: dict[str, str], log_file: Path) -> int:
    """``airflow dags test`` for one date: the full log to ``log_file``, one progress line per task here."""
    command = [
        str(Path(sys.executable).with_name("airflow")),
        "dags",
        "test",
        DAG_ID,
        logical_date.isoformat(),
    ]
    with (
        log_file.open("a") as log,
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        ) as process,
    ):
        for line in process.stdout:
            log.write(line)
            if match := TASK_STARTED.search(line):
                click.echo(f"      running {match.group(1)}")
    return process.returncode


def run_demo(settings: Settings, *, buyers: int, seed: int) -> None:
    started = time.monotonic()
    logs = settings.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    step(1, 4, "Starting the warehouse")
    wh = warehouse.ready(settings)
    click.echo(f"      {wh.describe()}")

    step(2, 4, f"Starting the sandbox APIs ({buyers} buyers, seed {seed})")
    with running_sandbox(settings, seed, buyers) as sandbox:
        click.echo(f"      {sandbox.base_url}")
        # A demo should say at once what failed, not wait out production retry delays.
        env = {
            **os.environ,
            **airflow_environment(settings, wh, sandbox.airflow_connections()),
            "PURCHASE_PATH_TASK_RETRIES": "0",
            ATTRIBUTION_TRUTH_VARIABLE: str(write_attribution_truth(settings, sandbox.world)),
        }

        step(3, 4, "Preparing Airflow: the dbt manifest and the metadata database")
        run_dbt(["parse", "--quiet"], None)
        log_file = logs / "demo-airflow.log"
        log_file.write_text("")
        if airflow_cli(["db", "migrate"], env, log_file) != 0:
            _fail(f"`airflow db migrate` failed; see {log_file}")

        interval_end = datetime.combine(sandbox.world.end_date, clock_time(0), tzinfo=UTC)
        step(4, 4, f"Running DAG {DAG_ID} for the day before {interval_end:%Y-%m-%d} (log: {log_file})")
        if run_dag_test(interval_end, env, log_file) != 0:
            _fail(f"the DAG run failed; the log says which task and why: {log_file}")

    print_summary(settings, wh, time.monotonic() - started)


def _fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)


def table_counts(wh: warehouse.Warehouse) -> dict[str, int | None]:
    counts: dict[str, int | None] = {}
    with wh.connect(autocommit=True) as conn:
        for table in SUMMARY_TABLES:
            exists = conn.execute("select to_regclass(%s)", (table,)).fetchone()[0]
            counts[table] = conn.execute(f"select count(*) from {table}").fetchone()[0] if exists else None
    return counts


def print_summary(settings: Settings, wh: warehouse.Warehouse, seconds: float) -> None:
    click.secho(f"\nPurchase Path demo finished in {seconds:.0f} s\n", fg="green", bold=True)
    click.echo("Tables:")
    for table, count in table_counts(wh).items():
        click.echo(f"  {table:<36} {'missing' if count is None else f'{count:>8,} rows'}")
    reports = sorted(settings.report_dir.glob("*/*.html"))
    click.echo(f"\nReport:   {reports[-1] if reports else 'none written'}")
    click.echo("Airflow:  make airflow, then open http://localhost:8080 (no login needed locally)")
    click.echo(f'SQL:      .venv/bin/purchase-path warehouse psql      (or: psql "{wh.login_as("analyst")}")')
    click.echo("          e.g.  select * from marts.mart_channel_performance order by report_date desc limit 10;")


def run_airflow(settings: Settings, port: int = 8080) -> None:
    """Serve Airflow standalone with the sandbox beside it, until Ctrl-C."""
    wh = warehouse.ready(settings)
    run_dbt(["parse", "--quiet"], None)
    with running_sandbox(settings, seed=42, buyers=2000, port=8765) as sandbox:
        env = {
            **os.environ,
            **airflow_environment(settings, wh, sandbox.airflow_connections()),
            "AIRFLOW__API__PORT": str(port),
            # standalone starts its components as `airflow ...`: this venv's airflow must come first on PATH.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        click.echo(f"Sandbox APIs at {sandbox.base_url}; warehouse {wh.describe()}")
        click.echo(f"Airflow UI and API: http://localhost:{port}  (Ctrl-C stops both)")
        with suppress(KeyboardInterrupt):
            airflow_cli(["standalone"], env)
