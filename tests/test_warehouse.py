"""The warehouse bootstrap: idempotent, and each role can do its job and nothing more."""

from __future__ import annotations

import psycopg
import pytest

from purchase_path import warehouse as wh


def test_bootstrap_is_idempotent(warehouse):
    wh.bootstrap(warehouse)
    wh.bootstrap(warehouse)
    with warehouse.connect() as conn:
        schemas = {row[0] for row in conn.execute("select nspname from pg_namespace")}
        roles = {row[0] for row in conn.execute("select rolname from pg_roles")}
    assert {"raw", "ops", "staging", "intermediate", "core", "marts"} <= schemas
    assert {"loader", "transformer", "analyst"} <= roles


def test_roles_are_least_privilege(warehouse):
    with warehouse.connect("loader", autocommit=True) as conn:
        conn.execute("create table if not exists raw.privilege_probe (id int)")
        conn.execute("insert into raw.privilege_probe values (1)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("create table marts.not_for_loader (id int)")
    with warehouse.connect("transformer", autocommit=True) as conn:
        assert conn.execute("select count(*) from raw.privilege_probe").fetchone()[0] >= 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("insert into raw.privilege_probe values (2)")
        conn.execute("create table if not exists marts.privilege_probe (id int)")
    with warehouse.connect("analyst", autocommit=True) as conn:
        assert conn.execute("select count(*) from marts.privilege_probe").fetchone()[0] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select count(*) from raw.privilege_probe")


def test_unreachable_warehouse_names_the_setting_to_fix(tmp_path):
    bad = wh.Warehouse(f"postgresql://nobody@/nowhere?host={tmp_path}")
    with pytest.raises(wh.WarehouseError, match="WAREHOUSE_URL"):
        bad.connect()


def test_sqlalchemy_url_reaches_the_same_database(warehouse):
    import sqlalchemy

    engine = sqlalchemy.create_engine(warehouse.sqlalchemy_url("analyst"))
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("select current_user")).scalar() == "analyst"
    engine.dispose()


def write_postmaster_pid(pgdata, pid: int, status: str) -> None:
    """postmaster.pid as PostgreSQL writes it: pid first, the server's status on line 8."""
    lines = [str(pid), str(pgdata), "1765100000", "5432", str(pgdata), "", "1 2", status]
    (pgdata / "postmaster.pid").write_text("\n".join(lines) + "\n")


def test_start_waits_while_the_server_replays_its_log(tmp_path, caplog):
    import os
    import threading
    import time

    write_postmaster_pid(tmp_path, os.getpid(), "starting")
    threading.Timer(1.5, write_postmaster_pid, (tmp_path, os.getpid(), "ready")).start()
    began = time.monotonic()
    with caplog.at_level("WARNING", logger=wh.__name__):
        wh.wait_until_recovered(tmp_path)
    assert time.monotonic() - began >= 1.5
    assert "replaying its log" in caplog.text and "has recovered" in caplog.text


def test_a_server_that_dies_while_starting_names_its_log(tmp_path):
    (tmp_path / "log").write_text("FATAL:  could not map anonymous shared memory\n")
    dead = 2**22 + 1  # above the kernel's pid_max default: no process has it
    write_postmaster_pid(tmp_path, dead, "starting")
    with pytest.raises(wh.WarehouseError, match="could not map anonymous shared memory"):
        wh.wait_until_recovered(tmp_path)
