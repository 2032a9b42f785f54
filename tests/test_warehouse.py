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
