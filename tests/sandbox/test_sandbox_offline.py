"""The offline file drops: one file per kind per day that had ended by the clock, shaped like real exports, agreeing
with the world, byte-identical for the same seed; and the ``purchase-path sandbox offline-drops`` command."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from sandbox.cli import sandbox
from sandbox.offline import COLUMNS, KINDS, offline_connection, write_drops
from sandbox.timefmt import from_ms
from sandbox.world import World, normalise_email

UNTIL = date(2026, 9, 15)


@pytest.fixture(scope="module")
def drops(world, tmp_path_factory):
    out = tmp_path_factory.mktemp("drops")
    write_drops(world, UNTIL, out)
    return out


def rows(folder, kind: str) -> list[dict[str, str]]:
    found = []
    for path in sorted(folder.glob(f"{kind}_*.csv")):
        found += list(csv.DictReader(io.StringIO(path.read_text(), newline="")))
    return found


def test_one_file_per_kind_per_ended_day_with_a_header(world, drops):
    days = (UNTIL - world.start_date).days
    names = sorted(p.name for p in drops.iterdir())
    assert len(names) == 3 * days
    assert f"calls_{UNTIL - timedelta(days=1)}.csv" in names and f"calls_{UNTIL}.csv" not in names
    for kind in KINDS:
        data = (drops / f"{kind}_2026-07-01.csv").read_bytes()
        assert data.startswith(",".join(COLUMNS[kind]).encode() + b"\r\n")
    assert not list(drops.glob(".*"))  # no temporary file left behind


def test_event_scans_are_the_worlds_event_touches(world, drops):
    expected = {
        (t.campaign.lower(), buyer.email, f"{from_ms(t.at):%Y-%m-%d %H:%M:%S}")
        for buyer in world.iter_buyers()
        for t in buyer.touches
        if t.kind == "event" and from_ms(t.at).date() < UNTIL
    }
    found = rows(drops, "event_scans")
    assert len(found) == len(expected) > 20
    assert {(r["event_name"].lower(), normalise_email(r["email"]), r["scanned_at"]) for r in found} == expected
    assert any(r["email"] != r["email"].strip() for r in found)  # messy, as real exports are
    assert any(r["event_name"] not in {t.campaign for b in world.iter_buyers() for t in b.touches} for r in found)


def test_calls_follow_b2b_opportunities_and_store_visits_name_loyalty_members(world, drops):
    steps = {
        (buyer.email, f"{from_ms(at):%Y-%m-%d %H:%M:%S}")
        for buyer in world.iter_buyers()
        for opportunity in buyer.opportunities
        for _, at in opportunity.steps
    }
    calls = rows(drops, "calls")
    decisive = [c for c in calls if c["outcome"].lower() != "voicemail"]
    assert decisive and {(normalise_email(c["email"]), c["called_at"]) for c in decisive} <= steps
    assert all(int(c["duration_seconds"]) > 0 for c in calls)

    members = {b.loyalty_id: b for b in world.iter_buyers() if b.loyalty_id}
    visits = rows(drops, "store_visits")
    assert visits
    for visit in visits:
        buyer = members[visit["loyalty_id"].strip().upper()]
        assert f"{from_ms(buyer.first_purchase_at):%Y-%m-%d %H:%M:%S}" < visit["visited_at"]
        assert "email" not in visit


def test_same_world_same_bytes_and_nothing_after_the_clock(world, drops, tmp_path):
    again = World.generate(seed=world.seed, buyers=len(world))
    write_drops(again, UNTIL - timedelta(days=10), tmp_path)
    written = sorted(tmp_path.iterdir())
    assert written and all(path.read_bytes() == (drops / path.name).read_bytes() for path in written)
    assert max(path.name[-14:-4] for path in written) == str(UNTIL - timedelta(days=11))


def test_the_cli_writes_the_drops_and_prints_the_connection(tmp_path):
    result = CliRunner().invoke(
        sandbox, ["offline-drops", "--seed", "3", "--buyers", "50", "--until", "2026-07-05", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.csv"))) == 3 * 4
    exported = result.output.strip().splitlines()[-1]
    assert exported.startswith("export AIRFLOW_CONN_OFFLINE_DEFAULT=")
    assert json.loads(exported.split("=", 1)[1].strip("'")) == offline_connection(tmp_path)
    assert offline_connection(tmp_path) == {"conn_type": "fs", "extra": {"landing_dir": str(tmp_path.resolve())}}
