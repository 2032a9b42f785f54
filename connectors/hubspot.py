"""HubSpot CRM v3: contacts, deals, each deal's associated contacts, and the stage history of both.

References (HubSpot developer docs):
- CRM search: https://developers.hubspot.com/docs/api/crm/search — ``POST /crm/v3/objects/{object}/search`` with
  ``filterGroups``, one sort, ``limit`` up to 200 and cursor paging through ``paging.next.after``; datetime filter
  values in epoch milliseconds; at most 10,000 results per query (paging past that is a 400).
- Associations v4: https://developers.hubspot.com/docs/api/crm/associations —
  ``POST /crm/v4/associations/{from}/{to}/batch/read`` with ``{"inputs": [{"id": ...}]}``.
- Batch read: https://developers.hubspot.com/docs/api-reference/latest/crm/objects/objects/batch/get-objects —
  ``POST /crm/v3/objects/{object}/batch/read`` with ``inputs``, ``properties`` and ``propertiesWithHistory``
  returns the history of the records asked for (search returns none): lists of ``{value, timestamp, sourceType,
  sourceId, ...}``, newest first (https://github.com/HubSpot/hubspot-api-nodejs/issues/154); at most 50 inputs
  when history is asked for (https://github.com/PipedreamHQ/pipedream/pull/8462).
- Authentication: https://developers.hubspot.com/docs/api/private-apps — ``Authorization: Bearer <token>``.
- Rate limits: https://developers.hubspot.com/docs/api/usage-details — search endpoints allow a few requests
  per second per account and answer 429 past that; the core retries them with backoff.

Incremental sync windows on each object's last-modified property, oldest first. The 10,000-result cap is handled
by windowing: when a query reaches it, a new query starts at the last modified time seen (records at that exact
time come again and are merged on their id).

Each search page's records are read again by id with the history of their stage property (``lifecyclestage``,
``dealstage``) into the child streams ``contact_stage_history`` and ``deal_stage_history``: one raw row per object,
loaded in the same transaction as the page and under its bookmark, so a record whose stage moved brings its whole
history again.

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
    # Custom properties the web app and the loyalty programme sync into the portal (a portal without them
    # simply does not return them): what the identity graph links the contact to.
    "app_user_id",
    "loyalty_id",
    "referral_code",
    "referred_by_code",
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


# Stage history: search does not return property history; the batch read of the page's ids does.
HISTORY_BATCH_SIZE = 50  # HubSpot's limit for a batch read with propertiesWithHistory
# Per parent stream: the child stream, the object, the property whose history we keep, and its last-modified one.
HISTORIES = {
    "contacts": ("contact_stage_history", "contacts", "lifecyclestage", "lastmodifieddate"),
    "deals": ("deal_stage_history", "deals", "dealstage", "hs_lastmodifieddate"),
}


def history_stream(name: str, history_property: str, modified_property: str) -> Stream:
    """One raw row per object (its id): the batch read's record, with ``propertiesWithHistory`` holding the
    property's every change (newest first). Cursored on the record's ``updatedAt``, so an older re-read never
    replaces a newer history."""
    return Stream(
        name=name,
        primary_key=record_id,
        cursor=updated_at,
        known_fields=object_fields((history_property, modified_property, "createdate", "hs_object_id"))
        | {f"propertiesWithHistory.{history_property}"},
        required_fields=OBJECT_REQUIRED,
    )


CONTACT_STAGE_HISTORY = history_stream("contact_stage_history", "lifecyclestage", "lastmodifieddate")
DEAL_STAGE_HISTORY = history_stream("deal_stage_history", "dealstage", "hs_lastmodifieddate")
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
    children=(CONTACT_STAGE_HISTORY,),
    known_fields=object_fields(CONTACT_PROPERTIES),
    required_fields=OBJECT_REQUIRED,
)
DEALS = Stream(
    name="deals",
    primary_key=record_id,
    cursor=updated_at,
    children=(DEAL_CONTACTS, DEAL_STAGE_HISTORY),
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
            children = {}
            if stream.name == "deals":
                children[DEAL_CONTACTS.name] = self._deal_contacts(results)
            history_name, *history = HISTORIES[stream.name]
            children[history_name] = self._histories(results, history_name, *history)
            yield Page(results, children)

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

    def _histories(
        self, records: Sequence[Record], stream: str, object_type: str, history_property: str, modified: str
    ) -> list[Record]:
        """The page's records read again by id with the stage property's history, 50 at a time."""
        ids = list(dict.fromkeys(record_id(r) for r in records if r.get("id") not in (None, "")))
        found: list[Record] = []
        for start in range(0, len(ids), HISTORY_BATCH_SIZE):
            body = {
                "inputs": [{"id": object_id} for object_id in ids[start : start + HISTORY_BATCH_SIZE]],
                "properties": [history_property, modified],
                "propertiesWithHistory": [history_property],
            }
            answer = self.session.request_json(
                "POST", f"/crm/v3/objects/{object_type}/batch/read", for_stream=stream, json=body
            )
            results = answer.get("results") if isinstance(answer, dict) else None
            if not isinstance(results, list):
                raise ConnectorError(f"hubspot: the {object_type} batch read answered without a 'results' list.")
            # An id the search just returned but the read does not know was deleted in between (an `errors`
            # entry, HTTP 207): its history goes with it, the next sync sees it archived.
            found.extend(results)
        return found

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
