"""Fixtures for the sandbox tests: real servers on loopback, small HubSpot, Matomo and GA4 clients over ``requests``,
and the demo world's ground truth."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.credentials import GA4_ACCESS_TOKEN, GA4_PROPERTY_ID, HUBSPOT_TOKEN, MATOMO_TOKEN_AUTH
from sandbox.server import SandboxServer
from sandbox.world import World

SEED = 42
BUYERS = 2000
# Enough buyers for more than 10,000 contacts: HubSpot's search cap is exercised at its real value.
BIG_BUYERS = 27_000
MATOMO_PAGE = 500


class HubSpot:
    """Just enough of a HubSpot client to test the sandbox as a connector would use it."""

    def __init__(self, base_url: str, token: str = HUBSPOT_TOKEN) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(f"{self.base_url}{path}", params=params, timeout=30)

    def post(self, path: str, body: Any) -> requests.Response:
        return self.session.post(f"{self.base_url}{path}", json=body, timeout=30)

    def search(self, object_type: str, body: dict[str, Any]) -> requests.Response:
        return self.post(f"/crm/v3/objects/{object_type}/search", body)

    def search_all(self, object_type: str, body: dict[str, Any]) -> list[dict[str, Any]]:
        """Every result of a search, following ``paging.next.after``."""
        results, after = [], None
        while True:
            page = self.search(object_type, {**body, **({"after": after} if after else {})})
            page.raise_for_status()
            answer = page.json()
            results.extend(answer["results"])
            after = (answer.get("paging") or {}).get("next", {}).get("after")
            if not after:
                return results

    def list_all(self, object_type: str, **params: Any) -> Iterator[list[dict[str, Any]]]:
        """Every page of a list, following ``paging.next.link`` as HubSpot hands it out."""
        answer = self.get(f"/crm/v3/objects/{object_type}", **params)
        while True:
            answer.raise_for_status()
            body = answer.json()
            yield body["results"]
            link = (body.get("paging") or {}).get("next", {}).get("link")
            if not link:
                return
            answer = self.session.get(link, timeout=30)


@pytest.fixture(scope="session")
def demo_world() -> World:
    return World.generate(seed=SEED, buyers=BUYERS)


@pytest.fixture(scope="session")
def server(demo_world: World) -> Iterator[SandboxServer]:
    """The demo world served, its clock left at the world's end (clock tests start their own servers)."""
    with SandboxServer(demo_world) as running:
        yield running


@pytest.fixture(scope="session")
def client_for() -> type[HubSpot]:
    """The test client class, for tests that start servers of their own: ``client_for(server.base_url)``."""
    return HubSpot


@pytest.fixture(scope="session")
def hubspot(server: SandboxServer) -> HubSpot:
    return HubSpot(server.base_url)


@pytest.fixture(scope="session")
def big_server() -> Iterator[SandboxServer]:
    with SandboxServer(World.generate(seed=SEED, buyers=BIG_BUYERS)) as running:
        yield running


@pytest.fixture(scope="session")
def big_hubspot(big_server: SandboxServer) -> HubSpot:
    return HubSpot(big_server.base_url)


class Matomo:
    """Just enough of a Matomo Reporting API client: token in the POST body, as Matomo recommends."""

    def __init__(self, base_url: str, token: str = MATOMO_TOKEN_AUTH) -> None:
        self.base_url = base_url
        self.token = token
        self.session = requests.Session()

    def call(self, method: str, *, via: str = "POST", **params: Any) -> requests.Response:
        query = {"module": "API", "method": method, "format": "JSON", **{k: str(v) for k, v in params.items()}}
        if via == "GET":
            return self.session.get(
                f"{self.base_url}/index.php", params={**query, "token_auth": self.token}, timeout=60
            )
        return self.session.post(
            f"{self.base_url}/index.php", params=query, data={"token_auth": self.token}, timeout=60
        )

    def visits(self, **params: Any) -> list[dict[str, Any]]:
        answer = self.call("Live.getLastVisitsDetails", idSite=1, **params)
        answer.raise_for_status()
        return answer.json()

    def all_visits(self, page: int = MATOMO_PAGE, **params: Any) -> list[dict[str, Any]]:
        """Every visit, paging with filter_limit / filter_offset until a short page."""
        found, offset = [], 0
        while True:
            batch = self.visits(filter_limit=page, filter_offset=offset, **params)
            found.extend(batch)
            if len(batch) < page:
                return found
            offset += page


class Ga4:
    """Just enough of a GA4 Data API client."""

    def __init__(self, base_url: str, token: str = GA4_ACCESS_TOKEN, property_id: str = GA4_PROPERTY_ID) -> None:
        self.url = f"{base_url}/v1beta/properties/{property_id}:runReport"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def report(self, body: dict[str, Any]) -> requests.Response:
        return self.session.post(self.url, json=body, timeout=60)

    def rows(self, body: dict[str, Any], page: int = 10_000) -> list[dict[str, Any]]:
        """Every row of a report, paging with limit / offset up to rowCount."""
        rows: list[dict[str, Any]] = []
        while True:
            answer = self.report({**body, "limit": str(page), "offset": str(len(rows))})
            answer.raise_for_status()
            report = answer.json()
            rows.extend(report.get("rows", []))
            if len(rows) >= report.get("rowCount", 0):
                return rows


@pytest.fixture(scope="session")
def matomo_for() -> type[Matomo]:
    """The Matomo client class, for tests that start servers of their own."""
    return Matomo


@pytest.fixture(scope="session")
def ga4_for() -> type[Ga4]:
    """The GA4 client class, for tests that start servers of their own."""
    return Ga4


@pytest.fixture(scope="session")
def matomo(server: SandboxServer) -> Matomo:
    return Matomo(server.base_url)


@pytest.fixture(scope="session")
def ga4(server: SandboxServer) -> Ga4:
    return Ga4(server.base_url)


@pytest.fixture(scope="session")
def matomo_visits(matomo: Matomo) -> list[dict[str, Any]]:
    """Every visit Matomo serves for the demo world at its end (one full pull, shared by the tests)."""
    return matomo.all_visits()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="session")
def truth_dir(demo_world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo world's ground truth, written once."""
    out = tmp_path_factory.mktemp("truth")
    demo_world.write_truth(out)
    return out
