"""Paginators walk pages as the vendors' references describe, and stop where they should."""

from __future__ import annotations

import pytest

from connectors.core.errors import ConnectorError
from connectors.core.paging import CursorPaginator, OffsetPaginator, PageRequest, SinglePage, records_at

BASE = PageRequest("GET", "/lists/abc/members", {"status": "subscribed"})


def walk(paginator, answers):
    """The requests a paginator makes over a fixed sequence of answers (records under 'items')."""
    sent, request = [], paginator.first(BASE)
    for answer in answers:
        sent.append(request)
        request = paginator.next(request, answer, answer["items"])
        if request is None:
            break
    return sent, request


def test_offset_pages_until_a_short_page():
    paginator = OffsetPaginator(page_size=2)
    sent, last = walk(paginator, [{"items": [1, 2]}, {"items": [3, 4]}, {"items": [5]}])
    assert [dict(r.params) for r in sent] == [
        {"status": "subscribed", "offset": 0, "count": 2},
        {"status": "subscribed", "offset": 2, "count": 2},
        {"status": "subscribed", "offset": 4, "count": 2},
    ]
    assert last is None


def test_offset_stops_at_the_reported_total_without_an_empty_page():
    paginator = OffsetPaginator(page_size=2, total_path=("total_items",))
    sent, last = walk(paginator, [{"items": [1, 2], "total_items": 4}, {"items": [3, 4], "total_items": 4}])
    assert len(sent) == 2 and last is None


def test_page_numbers_and_body_parameters():
    paginator = OffsetPaginator(page_size=1, offset_param="page", limit_param="perPage", by_page=True, in_body=True)
    first = paginator.first(BASE)
    assert first.json == {"page": 1, "perPage": 1}
    assert paginator.next(first, {}, [1]).json == {"page": 2, "perPage": 1}


def test_cursor_follows_until_the_answer_has_no_next():
    paginator = CursorPaginator(("paging", "cursors", "after"), "after", more_path=("paging", "next"))
    answers = [
        {"items": [1], "paging": {"cursors": {"after": "c1"}, "next": "https://graph/...&after=c1"}},
        {"items": [2], "paging": {"cursors": {"after": "c2"}}},  # no 'next': the last page, cursor or not
    ]
    sent, last = walk(paginator, answers)
    assert [r.params.get("after") for r in sent] == [None, "c1"] and last is None


def test_single_page_and_record_reader():
    assert SinglePage().next(BASE, {}, [1]) is None
    assert records_at(("results",))({"results": [{"id": 1}]}) == [{"id": 1}]
    with pytest.raises(ConnectorError, match="no list of records at 'results'"):
        records_at(("results",))({"error": "nope"})
