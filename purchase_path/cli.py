"""``purchase-path``: one command, with a subcommand per job. Run any of them with ``--help``."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, date, datetime, timedelta

import click

from purchase_path.settings import Settings


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )


class FriendlyGroup(click.Group):
    """Turns the errors a user can fix into one clear line instead of a traceback, and imports the commands that
    live in other packages only when they are asked for: ``attribute`` pulls in pandas and scipy, a second of
    start-up that every other command (each ``extract`` a scheduler starts, say) would otherwise pay."""

    lazy_commands = {"attribute": "attribution.cli:attribute", "sandbox": "sandbox.cli:sandbox"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            import importlib

            module, _, name = self.lazy_commands[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context):
        from connectors.core.errors import ConnectorError
        from purchase_path.transform import DbtFailed
        from purchase_path.warehouse import WarehouseError

        try:
            return super().invoke(ctx)
        except (ConnectorError, WarehouseError, DbtFailed) as error:
            click.secho(f"error: {error}", fg="red", err=True)
            sys.exit(1)


@click.group(cls=FriendlyGroup)
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
def main(verbose: bool) -> None:
    """Purchase Path: a self-hosted path-to-purchase warehouse (Airflow + dbt + Great Expectations)."""
    _setup_logging(verbose)


@main.command()
@click.option("--buyers", default=2000, show_default=True, help="Buyers in the sandbox world.")
@click.option("--seed", default=42, show_default=True, help="Seed of the sandbox world.")
def demo(buyers: int, seed: int) -> None:
    """Run the whole pipeline once on the sandbox world and print what it built."""
    from purchase_path.demo import run_demo

    run_demo(Settings.from_env(), buyers=buyers, seed=seed)


@main.command()
def airflow() -> None:
    """Start Airflow (standalone: UI and API on :8080) with our DAGs, the warehouse and the sandbox."""
    from purchase_path.demo import run_airflow

    run_airflow(Settings.from_env())


@main.group()
def warehouse() -> None:
    """The warehouse: start, stop, bootstrap, connect."""


@warehouse.command("start")
def warehouse_start() -> None:
    """Start (if embedded) and bootstrap the warehouse, and print how to connect."""
    from purchase_path import warehouse as wh

    settings = Settings.from_env()
    w = wh.ready(settings)
    click.echo(f"warehouse ready: {w.describe()}")
    click.echo(f'connect as analyst: purchase-path warehouse psql   (or: psql "{w.login_as("analyst")}")')


@warehouse.command("psql", context_settings={"ignore_unknown_options": True})
@click.option("--role", default="analyst", show_default=True, help="Log in as this role (embedded warehouse).")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def warehouse_psql(role: str, args: tuple[str, ...]) -> None:
    """Open psql on the warehouse (as the read-only analyst by default)."""
    import os

    from purchase_path import warehouse as wh

    w = wh.ready()
    target = w.login_as(role) if role != w.params.get("user") else w.conninfo()
    psql = wh.psql_path()
    os.execv(psql, [psql, target, *args])


@warehouse.command("bootstrap")
def warehouse_bootstrap() -> None:
    """Create the roles (loader, transformer, analyst), schemas and grants. Idempotent."""
    from purchase_path import warehouse as wh

    w = wh.resolve()
    wh.bootstrap(w)
    click.echo(f"bootstrapped {w.describe()}")


@warehouse.command("stop")
def warehouse_stop() -> None:
    """Stop the embedded PostgreSQL (data is kept)."""
    from purchase_path.warehouse import stop_embedded

    settings = Settings.from_env()
    click.echo("stopped" if stop_embedded(settings.embedded_pgdata) else "the embedded warehouse was not running")


@main.command()
@click.argument("source")
@click.option("--start", "start", type=click.DateTime(["%Y-%m-%d"]), help="Interval start (UTC date).")
@click.option("--end", "end", type=click.DateTime(["%Y-%m-%d"]), help="Interval end, exclusive. Default: today.")
def extract(source: str, start: datetime | None, end: datetime | None) -> None:
    """Extract one SOURCE (e.g. hubspot) into raw for a date range, as the DAG would."""
    from purchase_path import pipeline

    pipeline.prepare_warehouse()
    interval_end = (end or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)).replace(tzinfo=UTC)
    interval_start = start.replace(tzinfo=UTC) if start else interval_end - timedelta(days=1)
    for result in pipeline.extract(source, interval_start, interval_end):
        click.echo(
            f"{result['source']}.{result['stream']}: {result['records']} records in {result['pages']} pages"
            + (f", {result['quarantined']} quarantined (see ops.quarantine)" if result.get("quarantined") else "")
        )


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def dbt(args: tuple[str, ...]) -> None:
    """Run a dbt command against the configured warehouse, e.g. `purchase-path dbt build`."""
    from connectors.registry import ensure_raw_tables
    from purchase_path import warehouse as wh
    from purchase_path.transform import run_dbt

    warehouse = wh.ready()
    ensure_raw_tables(warehouse)  # sources never synced still have (empty) raw tables for staging to read
    run_dbt(list(args) or ["build"], warehouse)


@main.command("dbt-parse")
def dbt_parse() -> None:
    """Build dbt's manifest (no database needed); Airflow reads it to lay out the dbt tasks."""
    from purchase_path.transform import run_dbt

    run_dbt(["parse", "--quiet"], None)


@main.command()
def gate() -> None:
    """Run the Great Expectations quality gate now and print the outcome."""
    from purchase_path import pipeline

    summary = pipeline.quality_gate(run_label=f"cli-{datetime.now(UTC):%Y%m%dT%H%M%S}")
    click.echo(f"quality gate passed: {summary}")


@main.command()
@click.option("--date", "report_date", type=click.DateTime(["%Y-%m-%d"]), help="Report date. Default: yesterday.")
def report(report_date: datetime | None) -> None:
    """Render the stakeholder report for a date."""
    from purchase_path import pipeline

    day = report_date.date() if report_date else date.today() - timedelta(days=1)
    click.echo(pipeline.render_report(day, gate_summary=None))
