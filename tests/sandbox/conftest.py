"""Fixtures for the sandbox tests: real servers on loopback, and a small HubSpot client over ``requests``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sandbox.credentials import HUBSPOT_TOKEN
from sandbox.server import SandboxServer
from sandbox.world import World

SEED = 42
BUYERS = 2000
# Enough buyers for more than 10,000 contacts: HubSpot's search cap is exercised at its real value.
BIG_BUYERS = 27_000


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
