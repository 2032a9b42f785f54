"""The warehouse: which PostgreSQL, how to reach it, and its idempotent bootstrap.

Unset ``WAREHOUSE_URL`` means the embedded PostgreSQL 16 that ``pgserver`` ships, kept under the project's data
folder and reached over a Unix socket. It keeps running after the process that started it exits, so Airflow tasks,
dbt, ``psql`` and the tests all share it; ``purchase-path warehouse stop`` stops it. After an unclean stop (a killed
machine or process) PostgreSQL first replays its write-ahead log, minutes after a killed bulk load: starting waits
for it and says so.

Least privilege is enforced with three group roles. Every component connects with the one configured URL and
switches role for its job (``SET ROLE`` through the libpq ``options`` parameter), so one credential serves all and
each job can only touch what it must:

| role | may |
| --- | --- |
| ``loader`` | own and write ``raw`` and ``ops`` |
| ``transformer`` | read ``raw`` and ``ops``; own and write ``staging``, ``intermediate``, ``core``, ``marts`` |
| ``analyst`` | read ``marts`` only (a login role, for BI tools) |
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from purchase_path.settings import Settings

log = logging.getLogger(__name__)

DATABASE = "purchase_path"
LOADER, TRANSFORMER, ANALYST = "loader", "transformer", "analyst"
LOADER_SCHEMAS = ("raw", "ops")
DBT_SCHEMAS = ("staging", "intermediate", "core", "marts")


class WarehouseError(RuntimeError):
    """The warehouse cannot be reached or set up; the message names what to fix."""


@dataclass(frozen=True)
class Warehouse:
    """How to reach the warehouse. ``url`` is a libpq URL; it may hold a password, so never log it."""

    url: str

    @property
    def params(self) -> dict[str, str]:
        """The URL as libpq keywords (host, port, user, password, dbname)."""
        return {key: str(value) for key, value in conninfo_to_dict(self.url).items()}

    def conninfo(self, role: str | None = None) -> str:
        """A libpq connection string that switches to ``role`` on connect."""
        if role is None:
            return self.url
        return make_conninfo(self.url, options=f"-c role={role}")

    def connect(self, role: str | None = None, **kwargs) -> psycopg.Connection:
        try:
            return psycopg.connect(self.conninfo(role), **kwargs)
        except psycopg.OperationalError as error:
            raise WarehouseError(
                f"cannot connect to the warehouse at {self.describe()}: {first_line(error)}. "
                "Check WAREHOUSE_URL, or unset it to use the embedded PostgreSQL."
            ) from error

    def sqlalchemy_url(self, role: str | None = None) -> str:
        """The same warehouse as a SQLAlchemy (psycopg2) URL, as Great Expectations wants it."""
        p = self.params
        auth = quote(p.get("user", ""), safe="")
        if p.get("password"):
            auth += ":" + quote(p["password"], safe="")
        query = {}
        host = p.get("host", "")
        if host.startswith("/"):
            query["host"] = host
            netloc = f"{auth}@"
        else:
            netloc = f"{auth}@{host}" + (f":{p['port']}" if p.get("port") else "")
        if p.get("port") and host.startswith("/"):
            query["port"] = p["port"]
        if role:
            query["options"] = f"-c role={role}"
        qs = "&".join(f"{k}={quote(v, safe='/')}" for k, v in query.items())
        return f"postgresql+psycopg2://{netloc}/{p.get('dbname', DATABASE)}" + (f"?{qs}" if qs else "")

    def login_as(self, user: str) -> str:
        """A connection string for the same database as another login role, without our password."""
        p = {key: value for key, value in self.params.items() if key != "password"}
        return make_conninfo(**{**p, "user": user})

    def describe(self) -> str:
        """Where the warehouse is, without credentials: safe for logs."""
        p = self.params
        return f"{p.get('user', '?')}@{p.get('host', 'localhost')}:{p.get('port', '5432')}/{p.get('dbname', '?')}"


def first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def start_embedded(pgdata: Path) -> Warehouse:
    """Start (or find running) the embedded PostgreSQL and make sure its database exists."""
    import pgserver  # imported here: only the embedded warehouse needs it

    pgdata.mkdir(parents=True, exist_ok=True)
    # pgserver logs every pg_ctl call's output at INFO, and the whole server log at ERROR when pg_ctl times out
    logging.getLogger("pgserver").setLevel(logging.CRITICAL)
    if _postmaster_status(pgdata) == "starting":
        wait_until_recovered(pgdata)  # one that an earlier, killed process started may still be replaying its log
    try:
        server = pgserver.get_server(pgdata, cleanup_mode=None)
    except subprocess.TimeoutExpired:
        # pg_ctl gives up after pgserver's fixed 10 s, but the server it started is still replaying its log. Once it
        # is ready a new handle finds it running (get_server would return the failed one it cached; pgserver
        # refuses a running server that is not ready yet).
        wait_until_recovered(pgdata)
        server = pgserver.PostgresServer(pgdata, cleanup_mode=None)
    except subprocess.CalledProcessError as error:
        raise WarehouseError(
            f"the embedded PostgreSQL in {pgdata} did not start; its log {pgdata / 'log'} ends with:\n"
            + _log_tail(pgdata)
        ) from error
    admin = Warehouse(server.get_uri("postgres"))
    with admin.connect(autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (DATABASE,)).fetchone()
        if not exists:
            log.info("creating database %s in the embedded warehouse", DATABASE)
            conn.execute(f'create database "{DATABASE}"')
    return Warehouse(server.get_uri(DATABASE))


def wait_until_recovered(pgdata: Path, timeout_seconds: float = 3600) -> None:
    """Wait while the embedded server replays its write-ahead log after an unclean stop (a killed run).

    Replay takes as long as the writes it redoes: minutes after a killed bulk load. The server says it is ready in
    line 8 of ``postmaster.pid``; until then it refuses connections.
    """
    deadline = time.monotonic() + timeout_seconds
    announced = False
    while (status := _postmaster_status(pgdata)) != "ready":
        if status is None:
            raise WarehouseError(
                f"the embedded PostgreSQL in {pgdata} stopped while starting; its log {pgdata / 'log'} ends with:\n"
                + _log_tail(pgdata)
            )
        if time.monotonic() > deadline:
            raise WarehouseError(f"the embedded PostgreSQL in {pgdata} was not ready after {timeout_seconds:.0f} s")
        if not announced:
            log.warning(
                "the embedded warehouse was not stopped cleanly: PostgreSQL is replaying its log before it accepts "
                "connections (progress in %s)",
                pgdata / "log",
            )
            announced = True
        time.sleep(1)
    if announced:
        log.warning("the embedded warehouse has recovered")


def _postmaster_status(pgdata: Path) -> str | None:
    """``starting``, ``ready`` or ``stopping`` while a postmaster runs in ``pgdata``; None when none does."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        os.kill(int(lines[0]), 0)
    except PermissionError:
        pass  # the process exists, under another user
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return None
    return lines[7].strip() if len(lines) > 7 else "starting"


def _log_tail(pgdata: Path, lines: int = 15) -> str:
    server_log = pgdata / "log"
    if not server_log.exists():
        return "(no log)"
    return "\n".join(server_log.read_text(errors="replace").splitlines()[-lines:])


def stop_embedded(pgdata: Path) -> bool:
    """Stop the embedded PostgreSQL if it runs. Returns whether it was running."""
    from pgserver import pg_ctl

    if not (pgdata / "postmaster.pid").exists():
        return False
    pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=_pgserver_system_user())
    return True


def psql_path() -> str:
    """The psql client: the system's, else the one pgserver ships."""
    import shutil

    import pgserver

    return shutil.which("psql") or str(Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql")


def _pgserver_system_user() -> str | None:
    return "pgserver" if os.geteuid() == 0 else None


WAREHOUSE_CONN_ID = "warehouse_default"


def resolve(settings: Settings | None = None) -> Warehouse:
    """The configured warehouse, started if it is the embedded one.

    ``WAREHOUSE_URL`` wins; inside Airflow, the connection ``warehouse_default`` (which Cosmos also uses for dbt);
    else the embedded PostgreSQL.
    """
    settings = settings or Settings.from_env()
    url = settings.warehouse_url or _url_from_airflow_connection()
    if url is None or Warehouse(url).params.get("host") == str(settings.embedded_pgdata):
        return start_embedded(settings.embedded_pgdata)
    return Warehouse(url)


def _url_from_airflow_connection() -> str | None:
    from purchase_path.connections import get_connection

    conn = get_connection(WAREHOUSE_CONN_ID)
    if conn is None:
        return None
    fields = {
        "host": conn.host,
        "port": conn.port,
        "user": conn.login,
        "password": conn.password,
        "dbname": conn.schema,
    }
    return make_conninfo(**{key: value for key, value in fields.items() if value not in (None, "")})


def airflow_connection_json(warehouse: Warehouse) -> str:
    """The warehouse as the JSON form of an Airflow connection (for ``AIRFLOW_CONN_WAREHOUSE_DEFAULT``)."""
    import json

    p = warehouse.params
    return json.dumps(
        {
            "conn_type": "postgres",
            "host": p.get("host", "localhost"),
            "port": int(p.get("port", 5432)),
            "login": p.get("user", ""),
            "password": p.get("password", ""),
            "schema": p.get("dbname", DATABASE),
        }
    )


BOOTSTRAP_SQL = """
do $$
begin
    if not exists (select from pg_roles where rolname = 'loader') then create role loader nologin; end if;
    if not exists (select from pg_roles where rolname = 'transformer') then create role transformer nologin; end if;
    if not exists (select from pg_roles where rolname = 'analyst') then create role analyst login; end if;
end
$$;
grant loader, transformer, analyst to current_user;

create schema if not exists raw authorization loader;
create schema if not exists ops authorization loader;
create schema if not exists staging authorization transformer;
create schema if not exists intermediate authorization transformer;
create schema if not exists core authorization transformer;
create schema if not exists marts authorization transformer;

revoke all on schema raw, ops from public;
grant usage on schema raw, ops to transformer;
grant select on all tables in schema raw, ops to transformer;
alter default privileges for role loader in schema raw, ops grant select on tables to transformer;

revoke all on schema staging, intermediate, core, marts from public;
grant usage on schema marts to analyst;
grant select on all tables in schema marts to analyst;
alter default privileges for role transformer in schema marts grant select on tables to analyst;
"""


def bootstrap(warehouse: Warehouse) -> None:
    """Create roles, schemas and grants. Safe to run any number of times, concurrently too."""
    with warehouse.connect(autocommit=False) as conn:
        # One bootstrap at a time: parallel Airflow tasks may all start with it.
        conn.execute("select pg_advisory_xact_lock(hashtext('purchase_path.bootstrap'))")
        try:
            conn.execute(BOOTSTRAP_SQL)
        except psycopg.errors.InsufficientPrivilege as error:
            raise WarehouseError(
                f"the warehouse user cannot set up roles and schemas ({first_line(error)}). "
                "Run the bootstrap once as a user with CREATEROLE and CREATE on the database: "
                "WAREHOUSE_URL=<admin url> purchase-path warehouse bootstrap"
            ) from error
    log.info("warehouse ready at %s", warehouse.describe())


def ready(settings: Settings | None = None) -> Warehouse:
    """Resolve, start if embedded, and bootstrap: what every entry point calls first."""
    warehouse = resolve(settings)
    bootstrap(warehouse)
    return warehouse
