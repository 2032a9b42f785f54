"""``purchase-path sandbox ...``: serve the emulated APIs, or write the world's ground truth.

The main CLI mounts this group with ``cli.add_command(sandbox)``; ``python -m sandbox`` runs it on its own.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path

import click

from sandbox.faults import MODES, FaultPlan
from sandbox.server import SandboxServer
from sandbox.timefmt import iso_ms, parse_instant
from sandbox.world import World, WorldConfig, summarise

_DEFAULTS = WorldConfig()


def _world_options(command: click.Command) -> click.Command:
    """The options that pick a world; the same seed and options always give the same world."""
    options = [
        click.option(
            "--seed",
            type=int,
            default=_DEFAULTS.seed,
            show_default=True,
            help="Random seed: the same seed gives the same world and byte-identical responses.",
        ),
        click.option(
            "--buyers",
            type=click.IntRange(min=0),
            default=_DEFAULTS.buyers,
            show_default=True,
            help="Number of buyers in the world.",
        ),
        click.option(
            "--start",
            type=click.DateTime(formats=["%Y-%m-%d"]),
            default=_DEFAULTS.start.isoformat(),
            show_default=True,
            help="First day of the world (UTC).",
        ),
        click.option(
            "--days",
            type=click.IntRange(min=1),
            default=_DEFAULTS.days,
            show_default=True,
            help="Length of the world in days.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _generate(seed: int, buyers: int, start: datetime, days: int) -> World:
    return World.generate(seed=seed, buyers=buyers, start=date(start.year, start.month, start.day), days=days)


def _faults(_ctx: click.Context, _param: click.Parameter, value: tuple[str, ...]) -> FaultPlan:
    try:
        return FaultPlan.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


def _instant(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(parse_instant(value) / 1000, tz=UTC)
    except ValueError as error:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 date-time or epoch milliseconds") from error


@click.group(name="sandbox")
@click.option("-v", "--verbose", is_flag=True, help="Log every request (DEBUG).")
def sandbox(verbose: bool) -> None:
    """A local stand-in for the source APIs, over a seeded synthetic world of buyers.

    \b
    serve: an HTTP server on loopback that speaks each vendor's API (HubSpot CRM, Matomo, GA4 so far)
    truth: the world's ground truth as CSV files, to check what the warehouse infers
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@sandbox.command()
@_world_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (keep it loopback).")
@click.option(
    "--port",
    type=click.IntRange(min=0, max=65535),
    default=8765,
    show_default=True,
    help="Port to listen on; 0 picks a free one.",
)
@click.option(
    "--now",
    callback=_instant,
    metavar="ISO",
    help="The sandbox clock: requests see the world as it stood then. Default: the end of the world's last day.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    callback=_faults,
    metavar="MODE[:RATE][,KEY=VALUE...]",
    help=(
        f"Misbehave like a real API (repeatable). MODE: {', '.join(MODES)}. RATE: every Nth request (default 10) "
        "or a fraction (0.25 = every 4th). Keys: first, times, burst, delay, retry_after, field, records, length, "
        "path. E.g. --fault 429:5 --fault 5xx-burst:20,burst=4 --fault drift-null:3,field=updatedAt."
    ),
)
@click.option(
    "--landing-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also drop the offline CSV exports (event scans, calls, store visits) for every ended day into this folder.",
)
def serve(
    seed: int,
    buyers: int,
    start: datetime,
    days: int,
    host: str,
    port: int,
    now: datetime | None,
    faults: FaultPlan,
    landing_dir: Path | None,
) -> None:
    """Serve the emulated vendor APIs until Ctrl-C.

    Point a connector at the printed base URL, with the printed credentials: the same connector code then runs
    against the sandbox as against the vendor.
    """
    world = _generate(seed, buyers, start, days)
    server = SandboxServer(world, host=host, port=port, now=now, faults=faults, landing_dir=landing_dir)
    click.echo(f"World: {summarise(world).text}")
    click.echo(f"Clock: {iso_ms(server.clock.now_ms)} (world {iso_ms(world.start_ms)} .. {iso_ms(world.end_ms)})")
    click.echo(f"Faults: {faults}")
    click.echo(f"Serving on {server.base_url}")
    click.echo(f"Endpoints ({', '.join(server.apps)}):")
    for endpoint in server.endpoints():
        click.echo(f"  {endpoint}")
    click.echo("Airflow connections for these sources:")
    for name, value in server.airflow_connections().items():
        click.echo(f"  export {name}='{value}'")
    click.echo("Press Ctrl-C to stop.", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)


@sandbox.command()
@_world_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help=(
        "Folder to write buyers.csv, identities.csv, touches.csv, purchases.csv, channel_contributions.csv and "
        "world.json into (created if missing)."
    ),
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes generating buyers in parallel (the files are the same for any number).",
)
def truth(seed: int, buyers: int, start: datetime, days: int, out_dir: Path, workers: int) -> None:
    """Write the world's ground truth: every buyer, identity, touch and purchase, and each channel's true
    contribution to conversions. Streams buyers: any world size fits in bounded memory."""
    world = World(WorldConfig(seed=seed, buyers=buyers, start=date(start.year, start.month, start.day), days=days))
    for path in world.write_truth(out_dir, workers=workers):
        click.echo(str(path))


@sandbox.command(name="offline-drops")
@_world_options
@click.option(
    "--until",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Write the days that had ended by midnight UTC of this date. Default: the world's end.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The landing folder to write event_scans_, calls_ and store_visits_YYYY-MM-DD.csv into (created if missing).",
)
def offline_drops(seed: int, buyers: int, start: datetime, days: int, until: datetime | None, out_dir: Path) -> None:
    """Write the offline CSV exports (badge scans, sales calls, store visits) into a landing folder, one file per
    kind per day, and print the Airflow connection that points the offline connector at it."""
    from sandbox.offline import offline_environment, write_drops

    world = World(WorldConfig(seed=seed, buyers=buyers, start=date(start.year, start.month, start.day), days=days))
    clock = date(until.year, until.month, until.day) if until else world.end_date
    paths = write_drops(world, clock, out_dir)
    click.echo(f"{len(paths)} files written to {out_dir} (days before {clock.isoformat()})")
    for name, value in offline_environment(out_dir).items():
        click.echo(f"export {name}='{value}'")


def main() -> None:
    sandbox()
