"""HubSpot CRM v3: contacts, deals, and each deal's associated contacts.

References (HubSpot developer docs):
- CRM search: https://developers.hubspot.com/docs/api/crm/search — ``POST /crm/v3/objects/{object}/search`` with
  ``filterGroups``, one sort, ``limit`` up to 200 and cursor paging through ``paging.next.after``; datetime filter
  values in epoch milliseconds; at most 10,000 results per query (paging past that is a 400).
- Associations v4: https://developers.hubspot.com/docs/api/crm/associations —
  ``POST /crm/v4/associations/{from}/{to}/batch/read`` with ``{"inputs": [{"id": ...}]}``.
- Authentication: https://developers.hubspot.com/docs/api/private-apps — ``Authorization: Bearer <token>``.
- Rate limits: https://developers.hubspot.com/docs/api/usage-details — search endpoints allow a few requests
  per second per account and answer 429 past that; the core retries them with backoff.

Incremental sync windows on each object's last-modified property, oldest first. The 10,000-result cap is handled
by windowing: when a query reaches it, a new query starts at the last modified time seen (records at that exact
time come again and are merged on their id).

Connection ``hubspot_default``: ``host`` = API base URL (default https://api.hubapi.com), ``password`` = the
private app's access token; ``extra`` may tune the HTTP policy (see connectors.core.http).

Each stream declares the fields a CRM object carries (the object's top-level fields and the properties we ask
for): anything else is reported as schema drift. A record without its ``id`` or ``updatedAt`` (key and cursor)
is quarantined; a deal without an id is not asked about in the associations call.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime

from connectors.core.errors import ConnectorError
from connectors.core.http import HttpPolicy, SourceSession
from connectors.core.stream import Page, Record, Stream, Window

log = logging.getLogger(__name__)

NAME = "hubspot"
DEFAULT_BASE_URL = "https://api.hubapi.com"
SEARCH_PAGE_SIZE = 200
SEARCH_RESULT_CAP = 10_000

CONTACT_PROPERTIES = (
    "email",
    "firstname",
    "lastname",
    "createdate",
    "lastmodifieddate",
    "lifecyclestage",
    "hs_analytics_source",
    "hs_analytics_source_data_1",
    "hs_analytics_source_data_2",
    "hs_object_id",
)
DEAL_PROPERTIES = (
    "dealname",
    "amount",
    "deal_currency_code",
    "dealstage",
    "pipeline",
    "closedate",
    "createdate",
    "hs_lastmodifieddate",
    "hs_object_id",
)


def record_id(record: Record) -> str:
    return str(record["id"])


def updated_at(record: Record) -> datetime | None:
    value = record.get("updatedAt")
    return datetime.fromisoformat(value) if value else None


# A CRM object's top-level fields (objects v3 reference); search answers carry the properties we name.
OBJECT_FIELDS = ("id", "properties", "createdAt", "updatedAt", "archived", "archivedAt", "propertiesWithHistory", "url")
OBJECT_REQUIRED = ("id", "updatedAt")


def object_fields(properties: Sequence[str]) -> frozenset[str]:
    return frozenset(OBJECT_FIELDS) | {f"properties.{name}" for name in properties}


DEAL_CONTACTS = Stream(
    name="deal_contacts",
    primary_key=lambda r: str(r["from"]["id"]),
    cursor=lambda r: None,
    known_fields=frozenset({"from", "from.id", "to"}),
    required_fields=("from.id",),
)
CONTACTS = Stream(
    name="contacts",
    primary_key=record_id,
    cursor=updated_at,
    known_fields=object_fields(CONTACT_PROPERTIES),
    required_fields=OBJECT_REQUIRED,
)
DEALS = Stream(
    name="deals",
    primary_key=record_id,
    cursor=updated_at,
    children=(DEAL_CONTACTS,),
    known_fields=object_fields(DEAL_PROPERTIES),
    required_fields=OBJECT_REQUIRED,
)

# Which object, which last-modified property to window on, and which properties to ask for, per stream.
SEARCHES = {
    "contacts": ("contacts", "lastmodifieddate", CONTACT_PROPERTIES),
    "deals": ("deals", "hs_lastmodifieddate", DEAL_PROPERTIES),
}


def epoch_ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


class HubSpotSource:
    """The HubSpot connector: declared streams plus the search-paging that serves them."""

    name = NAME
    streams: Sequence[Stream] = (CONTACTS, DEALS)

    def __init__(self, session: SourceSession) -> None:
        self.session = session

    @classmethod
    def from_connection(cls, conn, conn_id: str) -> HubSpotSource:
        if not conn.password:
            raise ConnectorError(
                f"hubspot: Airflow connection '{conn_id}' has no password; set it to the private app access token."
            )
        base_url = conn.host or DEFAULT_BASE_URL
        headers = {"Authorization": f"Bearer {conn.password}", "Content-Type": "application/json"}
        policy = HttpPolicy.from_extra(conn.extra_dejson or {}, conn_id)
        return cls(SourceSession(NAME, base_url, headers, conn_id=conn_id, policy=policy))

    def close(self) -> None:
        self.session.close()

    def pages(self, stream: Stream, window: Window) -> Iterator[Page]:
        object_type, modified_property, properties = SEARCHES[stream.name]
        for results in self._search(stream.name, object_type, modified_property, properties, window):
            if stream.name == "deals":
                yield Page(results, {"deal_contacts": self._deal_contacts(results)})
            else:
                yield Page(results)

    def _search(
        self, stream: str, object_type: str, modified_property: str, properties: Sequence[str], window: Window
    ) -> Iterator[list[Record]]:
        start = window.start
        while True:
            last_seen: datetime | None = None
            after = 0
            while True:
                body = {
                    "filterGroups": [{"filters": _window_filters(modified_property, start, window.end)}],
                    "sorts": [{"propertyName": modified_property, "direction": "ASCENDING"}],
                    "properties": list(properties),
                    "limit": SEARCH_PAGE_SIZE,
                    "after": str(after),
                }
                answer = self.session.request_json(
                    "POST", f"/crm/v3/objects/{object_type}/search", for_stream=stream, json=body
                )
                results = _results(answer, object_type)
                if results:
                    yield results
                    last_seen = _modified(results[-1], modified_property) or last_seen
                next_after = ((answer.get("paging") or {}).get("next") or {}).get("after")
                if not next_after:
                    return
                after = int(next_after)
                if after + SEARCH_PAGE_SIZE > SEARCH_RESULT_CAP:
                    break  # the next page would pass HubSpot's cap: start a new query from here
            if last_seen is None or (start is not None and last_seen <= start):
                raise ConnectorError(
                    f"hubspot: more than {SEARCH_RESULT_CAP} {object_type} share one {modified_property} "
                    f"({last_seen}); the search API cannot page past them."
                )
            log.info("hubspot.%s: reached the search cap; continuing from %s", object_type, last_seen.isoformat())
            start = last_seen

    def _deal_contacts(self, deals: Sequence[Record]) -> list[Record]:
        ids = [record_id(deal) for deal in deals if deal.get("id") not in (None, "")]  # id-less deals: quarantined
        if not ids:
            return []
        answer = self.session.request_json(
            "POST",
            "/crm/v4/associations/deals/contacts/batch/read",
            for_stream=DEAL_CONTACTS.name,
            json={"inputs": [{"id": deal_id} for deal_id in ids]},
        )
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list):
            raise ConnectorError("hubspot: the deal-contact associations answered without a 'results' list.")
        found = {_from_id(r): r for r in results if _from_id(r) is not None}
        unattributed = [r for r in results if _from_id(r) is None]  # quarantined by the stream's checks
        if unattributed:
            # One of the deals absent from `found` may be theirs: claim nothing about which have no contacts.
            return [*found.values(), *unattributed]
        # A deal with no contact is absent from the answer; record it as such so the raw table says so too.
        return [found.get(deal_id, {"from": {"id": deal_id}, "to": []}) for deal_id in ids]


def _window_filters(modified_property: str, start: datetime | None, end: datetime) -> list[dict]:
    filters = [{"propertyName": modified_property, "operator": "LT", "value": epoch_ms(end)}]
    if start is not None:
        filters.insert(0, {"propertyName": modified_property, "operator": "GTE", "value": epoch_ms(start)})
    return filters


def _results(answer: object, object_type: str) -> list[Record]:
    if not isinstance(answer, dict) or not isinstance(answer.get("results"), list):
        raise ConnectorError(f"hubspot: the {object_type} search answered without a 'results' list.")
    return answer["results"]


def _from_id(association: object) -> str | None:
    found = association.get("from") if isinstance(association, dict) else None
    value = found.get("id") if isinstance(found, dict) else None
    return None if value in (None, "") else str(value)


def _modified(record: Record, modified_property: str) -> datetime | None:
    value = (record.get("properties") or {}).get(modified_property) or record.get("updatedAt")
    return datetime.fromisoformat(value) if value else None
