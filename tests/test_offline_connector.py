"""The offline connector end to end (Airflow connection → registry → core → warehouse) over a real landing folder:
the whole history, then new days; re-drops of the same file skipped, corrected exports replacing their rows;
malformed rows quarantined naming file and line; bad files and bad configuration ending in one clear message. (A
real kill half-way: tests/test_kill_and_resume.py.)"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from connectors.core.errors import ConnectorError
from connectors.registry import extract
from sandbox.offline import KINDS, offline_environment, write_drops

FIRST_UNTIL = date(2026, 8, 20)
SECOND_UNTIL = date(2026, 9, 10)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@pytest.fixture
def landing(tmp_path, monkeypatch):
    for name, value in offline_environment(tmp_path).items():
        monkeypatch.setenv(name, value)
    return tmp_path


def file_rows(folder: Path, kind: str) -> int:
    return sum(len(p.read_text().splitlines()) - 1 for p in folder.glob(f"{kind}_*.csv"))


def raw(warehouse, stream: str) -> list[tuple]:
    with warehouse.connect(autocommit=True) as conn:
        return conn.execute(
            f"select natural_key, payload->>'_file', payload->>'_sha256', payload from raw.offline__{stream}"
        ).fetchall()


def sync(warehouse, start: date | None, end: date) -> dict:
    return {r.stream: r for r in extract("offline", warehouse, start and midnight(start), midnight(end))}


def test_whole_history_then_new_days_and_a_second_run_skips_every_file(world, warehouse, clean_raw, landing):
    write_drops(world, FIRST_UNTIL, landing)
    first = sync(warehouse, None, FIRST_UNTIL)
    for kind in KINDS:
        rows = raw(warehouse, kind)
        assert first[kind].records == len(rows) == len({key for key, *_ in rows}) == file_rows(landing, kind) > 0
        assert first[kind].quarantined == 0

    again = sync(warehouse, FIRST_UNTIL - timedelta(days=1), FIRST_UNTIL)
    assert all(result.pages == 0 for result in again.values())  # same checksums: every file skipped

    write_drops(world, SECOND_UNTIL, landing)
    later = sync(warehouse, FIRST_UNTIL, SECOND_UNTIL)
    for kind in KINDS:
        rows = raw(warehouse, kind)
        assert len(rows) == len({key for key, *_ in rows}) == file_rows(landing, kind)
        assert 0 < later[kind].records < len(rows)  # only the new days' rows were read


def test_rerunning_an_old_window_changes_nothing(world, warehouse, clean_raw, landing):
    write_drops(world, FIRST_UNTIL, landing)
    sync(warehouse, None, FIRST_UNTIL)
    before = {kind: sorted(raw(warehouse, kind)) for kind in KINDS}
    sync(warehouse, date(2026, 7, 10), date(2026, 7, 20))
    assert {kind: sorted(raw(warehouse, kind)) for kind in KINDS} == before


def test_a_corrected_export_replaces_its_rows(world, warehouse, clean_raw, landing):
    write_drops(world, FIRST_UNTIL, landing)
    sync(warehouse, None, FIRST_UNTIL)
    path = max((p for p in landing.glob("calls_*.csv") if len(p.read_text().splitlines()) >= 3), key=lambda p: p.name)
    lines = path.read_text().splitlines()
    header, kept, removed = lines[0], lines[1].split(","), lines[2]
    kept[2] = str(int(kept[2]) + 60)  # the dialer's corrected duration
    corrected = "\r\n".join([header, ",".join(kept), *lines[3:]]) + "\r\n"
    path.write_text(corrected, newline="")
    checksum = hashlib.sha256(corrected.encode()).hexdigest()

    result = sync(warehouse, FIRST_UNTIL - timedelta(days=1), FIRST_UNTIL)  # within the lookback
    assert result["calls"].records == len(lines) - 2
    rows = raw(warehouse, "calls")
    assert len(rows) == len({key for key, *_ in rows}) == file_rows(landing, "calls") + 1
    current = [payload for _, name, sha, payload in rows if name == path.name and sha == checksum]
    assert len(current) == len(lines) - 2  # the file's newest version: what staging keeps
    assert any(p["duration_seconds"] == kept[2] for p in current)
    removed_email = removed.split(",")[1]
    assert not any(p["email"] == removed_email and p["called_at"] == removed.split(",")[0] for p in current)


def test_malformed_rows_are_quarantined_naming_file_and_line(warehouse, clean_raw, landing):
    text = (
        "event_name,scanned_at,email,company\r\n"
        "Data Summit Berlin,2026-07-08 09:38:15,ana@example.com,Acme\r\n"
        "Data Summit Berlin,yesterday,bo@example.com,Acme\r\n"
        "Data Summit Berlin,2026-07-08 10:00:00,,Acme\r\n"
        "Data Summit Berlin,2026-07-08 11:00:00,cy@example.com,Acme,extra\r\n"
        "Data Summit Berlin,2026-07-08 12:00:00,dee@example.com,Acme\r\n"
    )
    (landing / "event_scans_2026-07-08.csv").write_text(text, newline="")
    result = sync(warehouse, None, date(2026, 7, 9))["event_scans"]
    assert (result.records, result.quarantined) == (2, 3)
    with warehouse.connect(autocommit=True) as conn:
        reasons = [r for (r,) in conn.execute("select reason from ops.quarantine order by payload->>'_line'")]
    assert [reason.split("(", 1)[1] for reason in reasons] == [
        "ValueError: event_scans_2026-07-08.csv line 3: scanned_at 'yesterday' is not a date-time "
        "(YYYY-MM-DD HH:MM:SS, UTC))",
        "ValueError: event_scans_2026-07-08.csv line 4: email is empty)",
        "ValueError: event_scans_2026-07-08.csv line 5: expected 4 fields, found 5)",
    ]
    again = sync(warehouse, date(2026, 7, 8), date(2026, 7, 9))["event_scans"]
    assert again.pages == 0  # the same file is not read (nor quarantined) twice


def test_a_file_without_a_needed_column_stops_the_sync_naming_it(warehouse, clean_raw, landing):
    (landing / "calls_2026-07-01.csv").write_text("called_at,email,duration_seconds,outcome\r\n", newline="")
    good = "called_at,email,duration_seconds,outcome\r\n2026-07-02 10:00:00,ana@example.com,60,qualified\r\n"
    (landing / "calls_2026-07-02.csv").write_text(good, newline="")
    (landing / "calls_2026-07-03.csv").write_text("Called At,Email,Outcome\r\n2026-07-03 10:00:00,a@b.c,x\r\n")
    with pytest.raises(ConnectorError, match=r"calls_2026-07-03\.csv has no column duration_seconds"):
        sync(warehouse, None, date(2026, 7, 4))
    assert len(raw(warehouse, "calls")) == 1  # the good file before it stays loaded


def test_a_missing_landing_folder_is_a_clear_error(warehouse, clean_raw, tmp_path, monkeypatch):
    for name, value in offline_environment(tmp_path / "nowhere").items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConnectorError, match="landing folder .*nowhere.* does not exist"):
        sync(warehouse, None, date(2026, 7, 4))
