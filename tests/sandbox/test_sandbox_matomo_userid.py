"""Matomo's visitor id across a login, under each value of ``enable_userid_overwrites_visitorid``.

Recommended (``0``, the sandbox's default): a logged-in visit keeps the device's cookie visitor id and carries the
``userId`` beside it, so the device's earlier anonymous visits share the visitor id with the login. Matomo's shipped
default (``1``): a logged-in visit gets ``sha1(userId)[:16]``, and the anonymous visits of the same device keep
another id. The truth files follow whichever setting they are written for, and the same seed and setting always
give the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.credentials import MATOMO_TOKEN_AUTH
from sandbox.server import SandboxServer
from sandbox.truth import write_truth
from sandbox.vendors.matomo import MatomoOptions
from sandbox.world import World

SEED, BUYERS = 11, 300
SETTINGS = {"recommended": False, "matomo_default": True}  # name -> userid_overwrites_visitorid


def user_visitor_id(user_id: str) -> str:
    return hashlib.sha1(user_id.encode()).hexdigest()[:16]  # noqa: S324 - Matomo's own use of sha1


@pytest.fixture(scope="module")
def world() -> World:
    return World.generate(seed=SEED, buyers=BUYERS)


def serve(world: World, overwrites: bool) -> SandboxServer:
    return SandboxServer(world, options={"matomo": MatomoOptions(userid_overwrites_visitorid=overwrites)})


@pytest.fixture(scope="module")
def servers(world: World) -> Iterator[dict[str, SandboxServer]]:
    running = {name: serve(world, overwrites).start() for name, overwrites in SETTINGS.items()}
    yield running
    for server in running.values():
        server.stop()


def all_visits_body(base_url: str) -> bytes:
    """Every visit of the world's history in one answer, oldest first, as the bytes Matomo sent."""
    answer = requests.post(
        f"{base_url}/index.php",
        params={
            "module": "API",
            "method": "Live.getLastVisitsDetails",
            "idSite": "1",
            "period": "range",
            "date": "2026-01-01,today",
            "format": "JSON",
            "filter_limit": "-1",
            "filter_sort_order": "asc",
        },
        data={"token_auth": MATOMO_TOKEN_AUTH},
        timeout=120,
    )
    answer.raise_for_status()
    return answer.content


@pytest.fixture(scope="module")
def visits(servers: dict[str, SandboxServer]) -> dict[str, list[dict[str, Any]]]:
    """Every visit each setting's Matomo serves, oldest first."""
    return {name: json.loads(all_visits_body(server.base_url)) for name, server in servers.items()}


@pytest.fixture(scope="module")
def truths(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("truths")
    for name, overwrites in SETTINGS.items():
        write_truth(world, folder / name, userid_overwrites_visitorid=overwrites)
    return {name: folder / name for name in SETTINGS}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def by_visitor(served: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for visit in served:
        grouped[visit["visitorId"]].append(visit)
    return grouped


def test_recommended_setting_keeps_the_devices_visitor_id_across_login(visits):
    """Off (our default): the login visit shares its visitor id with the device's earlier anonymous visits, and
    Matomo counts those visits in the visitor's history; a visitor id never names two users."""
    served = visits["recommended"]
    logged_in = [v for v in served if v["userId"]]
    assert logged_in and not any(v["visitorId"] == user_visitor_id(v["userId"]) for v in logged_in)
    joined = 0
    for visitor_visits in by_visitor(served).values():
        users = {v["userId"] for v in visitor_visits if v["userId"]}
        assert len(users) <= 1, f"one device's visitor id names several users: {users}"
        first_login = next((v for v in visitor_visits if v["userId"]), None)
        if first_login is None:
            continue
        earlier = [v for v in visitor_visits if v["firstActionTimestamp"] < first_login["firstActionTimestamp"]]
        if earlier:
            joined += 1
            assert all(not v["userId"] for v in earlier)
            assert first_login["visitCount"] == len(earlier) + 1 and first_login["visitorType"] != "new"
    assert joined >= 30, f"only {joined} devices had anonymous visits before a login"


def test_matomos_shipped_default_splits_the_device_at_login(visits):
    """On (Matomo's default): every logged-in visit has the visitor id sha1(userId)[:16], shared by no anonymous
    visit, so nothing in Matomo's answer ties a device's earlier visits to the login."""
    served = visits["matomo_default"]
    logged_in = [v for v in served if v["userId"]]
    assert logged_in and all(v["visitorId"] == user_visitor_id(v["userId"]) for v in logged_in)
    user_visitors = {v["visitorId"] for v in logged_in}
    assert not any(v["visitorId"] in user_visitors for v in served if not v["userId"])
    # Same visits either way: only the visitor ids (and the per-visitor history) differ.
    recommended = {v["idVisit"]: v for v in visits["recommended"]}
    assert set(recommended) == {v["idVisit"] for v in served}
    changed = [v for v in served if v["visitorId"] != recommended[v["idVisit"]]["visitorId"]]
    assert {v["idVisit"] for v in changed} == {v["idVisit"] for v in logged_in}


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_the_truth_names_the_visitor_ids_the_setting_serves(setting, visits, truths):
    """touches.csv gives each visit the visitor id Matomo serves under the setting, and identities.csv lists
    exactly the served visitor ids, each for the buyer whose visits carry it."""
    touches = {int(t["matomo_visit_id"]): t for t in read_csv(truths[setting] / "touches.csv") if t["matomo_visit_id"]}
    served = visits[setting]
    assert {v["idVisit"] for v in served} == set(touches)
    assert all(v["visitorId"] == touches[v["idVisit"]]["visitor_id"] for v in served)
    identities = {
        i["identifier"]: i["buyer_id"]
        for i in read_csv(truths[setting] / "identities.csv")
        if i["identifier_type"] == "matomo_visitor_id"
    }
    assert identities == {v["visitorId"]: touches[v["idVisit"]]["buyer_id"] for v in served}


def test_same_seed_and_setting_give_the_same_bytes(world, servers, visits, truths, tmp_path):
    """A fresh world of the same seed, served and written under the same setting, gives byte-identical answers and
    truth files; the other setting changes the visitor ids and nothing else of the truth."""
    again = World.generate(seed=SEED, buyers=BUYERS)
    with serve(again, SETTINGS["matomo_default"]) as other:
        assert all_visits_body(other.base_url) == all_visits_body(servers["matomo_default"].base_url)
    write_truth(again, tmp_path / "again", userid_overwrites_visitorid=SETTINGS["matomo_default"])
    for file in ("touches.csv", "identities.csv", "buyers.csv", "purchases.csv", "world.json"):
        assert (tmp_path / "again" / file).read_bytes() == (truths["matomo_default"] / file).read_bytes(), file
    for file in ("buyers.csv", "purchases.csv", "channel_contributions.csv"):
        assert (truths["recommended"] / file).read_bytes() == (truths["matomo_default"] / file).read_bytes(), file
    recommended, shipped = (read_csv(truths[name] / "touches.csv") for name in ("recommended", "matomo_default"))
    differ = {
        column
        for mine, theirs in zip(recommended, shipped, strict=True)
        for column in mine
        if mine[column] != theirs[column]
    }
    assert differ == {"visitor_id"}
