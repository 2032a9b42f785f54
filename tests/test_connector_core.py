"""The connector core's small parts: the HTTP policy from a connection, Retry-After, and the record checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from connectors.core.errors import ConnectorError
from connectors.core.http import HttpPolicy, parse_retry_after
from connectors.core.schema import check
from connectors.hubspot import CONTACTS, DEAL_CONTACTS


def test_the_policy_comes_from_the_connection_extra():
    policy = HttpPolicy.from_extra({"attempts": "3", "deadline": 5, "unrelated": "kept for others"}, "hubspot_default")
    assert (policy.attempts, policy.deadline, policy.read_timeout) == (3, 5.0, HttpPolicy().read_timeout)


@pytest.mark.parametrize("extra", [{"attempts": "many"}, {"attempts": 0}, {"deadline": -1}])
def test_an_unusable_policy_names_the_connection(extra):
    with pytest.raises(ConnectorError, match="extra of Airflow connection 'hubspot_default'"):
        HttpPolicy.from_extra(extra, "hubspot_default")


def test_retry_after_in_seconds_or_as_a_date():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert 55 <= parse_retry_after(in_a_minute) <= 60
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date already past: go now


def contact(**changes) -> dict:
    record = {
        "id": "100001",
        "properties": {"email": "a@b.example", "hs_object_id": "100001", "lastmodifieddate": "2026-08-01T00:00:00Z"},
        "createdAt": "2026-07-01T00:00:00Z",
        "updatedAt": "2026-08-01T00:00:00Z",
        "archived": False,
    }
    record.update(changes)
    return record


def test_unknown_fields_are_found_at_the_top_and_among_declared_parents():
    record = contact(newTopLevel=1)
    record["properties"]["hs_new_property"] = "x"
    checked = check(CONTACTS, [record, contact()])
    assert len(checked.accepted) == 2
    assert checked.unknown == {"newTopLevel": 1, "properties.hs_new_property": "x"}


def test_records_without_key_or_cursor_are_rejected_with_the_reason():
    broken = [contact(id=None), contact(updatedAt=""), {"properties": {}}, contact(updatedAt="yesterday"), "text"]
    checked = check(CONTACTS, [*broken, contact()])
    assert len(checked.accepted) == 1
    assert [r.reason for r in checked.rejected] == [
        "required field 'id' is null",
        "required field 'updatedAt' is null",
        "required field 'id' is missing",
        "unreadable key or cursor (ValueError: Invalid isoformat string: 'yesterday')",
        "not a JSON object but str",
    ]


def test_nested_required_fields():
    checked = check(DEAL_CONTACTS, [{"from": {"id": "9"}, "to": []}, {"from": {}, "to": []}, {"to": []}])
    assert [r.reason for r in checked.rejected] == [
        "required field 'from.id' is missing",
        "required field 'from.id' is missing",
    ]
    assert checked.unknown == {}
