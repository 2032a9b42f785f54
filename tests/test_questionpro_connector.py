"""The QuestionPro connector end to end (Airflow connection → registry → core → warehouse) against a sandbox server
of this module: the whole history, then incrementally as the sandbox clock moves; re-running an old window; bad
credentials and bad configuration ending in one clear message."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import requests

from connectors.core.errors import ConnectorError
from connectors.questionpro import parse_timestamp
from connectors.registry import extract
from sandbox.credentials import QUESTIONPRO_API_KEY
from sandbox.server import SandboxServer
from sandbox.vendors.questionpro import SURVEYS


@pytest.fixture(scope="module")
def server(world):
    with SandboxServer(world) as running:
        yield running


def served(server: SandboxServer) -> dict[str, str]:
    """responseID → timestamp of every response the sandbox serves at its clock, read with the plain list endpoint."""
    found = {}
    for survey_id in SURVEYS:
        page = 1
        while True:
            answer = requests.get(
                f"{server.base_url}/a/api/v2/surveys/{survey_id}/responses",
                params={"page": page, "perPage": 50},
                headers={"api-key": QUESTIONPRO_API_KEY},
                timeout=10,
            ).json()
            found.update({str(r["responseID"]): r["timestamp"] for r in answer["response"]})
            if page >= answer["pagination"]["totalPages"]:
                break
            page += 1
    return found


def loaded(warehouse) -> list[tuple[str, str]]:
    with warehouse.connect(autocommit=True) as conn:
        return conn.execute("select natural_key, payload->>'timestamp' from raw.questionpro__responses").fetchall()


@pytest.fixture
def connect(server, monkeypatch):
    def set_connection(**fields) -> None:
        connection = {**server.app("questionpro").airflow_connection(server.base_url), **fields}
        monkeypatch.setenv("AIRFLOW_CONN_QUESTIONPRO_DEFAULT", json.dumps(connection))

    set_connection()
    return set_connection


def test_parse_timestamp_reads_the_account_zone():
    assert parse_timestamp("07 Aug, 2026 12:44:26 PM PDT") == datetime(2026, 8, 7, 19, 44, 26, tzinfo=UTC)
    assert parse_timestamp("03 Nov, 2026 01:05:00 AM PST") == datetime(2026, 11, 3, 9, 5, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_timestamp("2026-08-07T19:44:26Z")


def test_whole_history_then_incremental_as_the_clock_moves(server, warehouse, clean_raw, connect):
    world_end = server.now
    early = world_end - timedelta(days=45)
    server.set_clock(early)
    try:
        first = {r.stream: r for r in extract("questionpro", warehouse, None, early)}
        early_served = served(server)
        assert 10 < first["responses"].records == len(early_served)
        assert dict(loaded(warehouse)) == early_served

        again = extract("questionpro", warehouse, early - timedelta(days=1), early)
        assert again[0].records == 0  # nothing new: nothing fetched ...
        assert dict(loaded(warehouse)) == early_served  # ... and nothing changed

        server.set_clock(world_end)
        later = extract("questionpro", warehouse, early, world_end)
        everything = served(server)
        assert later[0].records == len(everything) - len(early_served) > 0  # only the new responses
        rows = loaded(warehouse)
        assert len(rows) == len(dict(rows)) and dict(rows) == everything
    finally:
        server.set_clock(world_end)


def test_rerunning_an_old_window_changes_nothing(server, warehouse, clean_raw, connect):
    end = server.now
    extract("questionpro", warehouse, None, end)
    before = loaded(warehouse)
    old_start = end - timedelta(days=60)
    result = extract("questionpro", warehouse, old_start, old_start + timedelta(days=20))
    assert result[0].records > 0  # the window reaches back to the old date: those responses came again
    after = loaded(warehouse)
    assert len(after) == len({key for key, _ in after}) == len(before)
    assert sorted(after) == sorted(before)


def test_bad_api_key_ends_in_one_clear_message(server, warehouse, clean_raw, connect):
    connect(password="not-the-key")
    with pytest.raises(ConnectorError) as failure:
        extract("questionpro", warehouse, None, server.now)
    message = str(failure.value)
    assert "HTTP 401" in message and "questionpro_default" in message and "not-the-key" not in message


def test_missing_survey_ids_name_the_setting(server, warehouse, clean_raw, connect):
    connect(extra={})
    with pytest.raises(ConnectorError, match="survey_ids"):
        extract("questionpro", warehouse, None, server.now)


def test_unknown_survey_is_a_clear_error(server, warehouse, clean_raw, connect):
    connect(extra={"survey_ids": "123"})
    with pytest.raises(ConnectorError, match="HTTP 404"):
        extract("questionpro", warehouse, None, server.now)


def test_unconfigured_source_is_skipped(warehouse, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_QUESTIONPRO_DEFAULT", raising=False)
    assert extract("questionpro", warehouse, None, datetime(2026, 8, 1, tzinfo=UTC)) == []
