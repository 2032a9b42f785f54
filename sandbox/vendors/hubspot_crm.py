"""HubSpot's CRM as the world would have filled it: contacts, deals, their associations, and how each changed.

This module is the data model behind :mod:`sandbox.vendors.hubspot` (the HTTP API). It turns the world's
vendor-neutral facts into HubSpot records, keeps every version of each record (a lifecycle stage that moves, a
deal that advances through the default pipeline), and answers "what did the portal hold at instant T?".

Ids are functions of the buyer index alone (contacts ``100000 + index``; deals ``5000000000 + 8 * index +
seq``), so that a buyer's records can be produced without looking at any other buyer (streaming) and the
ground truth can name them.

Property values follow HubSpot: every value a string or null; datetimes ISO 8601 UTC with milliseconds;
amounts as decimal strings; enumerations by internal value (``lifecyclestage``: ``lead``,
``marketingqualifiedlead``...; ``dealstage``: the default pipeline's stage ids; ``hs_analytics_source``:
``ORGANIC_SEARCH``, ``PAID_SEARCH``...).
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from sandbox import vocabulary as vocab
from sandbox.timefmt import iso_ms
from sandbox.world import Buyer, Opportunity, World

CONTACT_ID_BASE = 100_000
DEAL_ID_BASE = 5_000_000_000
MAX_DEALS_PER_BUYER = 8

CONTACTS, DEALS = "contacts", "deals"
OBJECT_TYPE_IDS = {CONTACTS: "0-1", DEALS: "0-3"}
_OBJECT_TYPE_ALIASES = {
    "contacts": CONTACTS,
    "contact": CONTACTS,
    "0-1": CONTACTS,
    "deals": DEALS,
    "deal": DEALS,
    "0-3": DEALS,
}

# HUBSPOT_DEFINED association type ids (https://developers.hubspot.com/docs/api-reference/crm-associations-v4/guide)
ASSOCIATION_TYPE_IDS = {(DEALS, CONTACTS): 3, (CONTACTS, DEALS): 4}
# The v3 objects API names the same association types like this.
ASSOCIATION_TYPE_NAMES = {(DEALS, CONTACTS): "deal_to_contact", (CONTACTS, DEALS): "contact_to_deal"}

LIFECYCLE_STAGES = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
)
_LIFECYCLE_RANK = {stage: rank for rank, stage in enumerate(LIFECYCLE_STAGES)}

# The default sales pipeline's stage ids, by the world's sales step.
DEAL_STAGES = {
    "appointment": "appointmentscheduled",
    "qualified": "qualifiedtobuy",
    "presentation": "presentationscheduled",
    "decision": "decisionmakerboughtin",
    "contract": "contractsent",
    "won": "closedwon",
    "lost": "closedlost",
}

# Original source (``hs_analytics_source``) by first-touch channel.
# https://knowledge.hubspot.com/properties/understand-source-properties
ANALYTICS_SOURCES = {
    "paid_search": "PAID_SEARCH",
    "paid_social": "PAID_SOCIAL",
    "display": "OTHER_CAMPAIGNS",
    "email": "EMAIL_MARKETING",
    "organic_search": "ORGANIC_SEARCH",
    "organic_social": "SOCIAL_MEDIA",
    "referral": "REFERRALS",
    "direct": "DIRECT_TRAFFIC",
    "offline_event": "OFFLINE",
}


class Kind(Enum):
    """A HubSpot property's type, as far as filtering and sorting care."""

    STRING = "string"  # compared case-insensitively
    ENUMERATION = "enumeration"  # compared exactly
    NUMBER = "number"
    DATETIME = "datetime"


PROPERTY_KINDS: dict[str, dict[str, Kind]] = {
    CONTACTS: {
        "app_user_id": Kind.STRING,
        "company": Kind.STRING,
        "createdate": Kind.DATETIME,
        "email": Kind.STRING,
        "firstname": Kind.STRING,
        "hs_analytics_source": Kind.ENUMERATION,
        "hs_analytics_source_data_1": Kind.STRING,
        "hs_analytics_source_data_2": Kind.STRING,
        "hs_object_id": Kind.NUMBER,
        "lastmodifieddate": Kind.DATETIME,
        "lastname": Kind.STRING,
        "lifecyclestage": Kind.ENUMERATION,
        "loyalty_id": Kind.STRING,
        "referral_code": Kind.STRING,
        "referred_by_code": Kind.STRING,
    },
    DEALS: {
        "amount": Kind.NUMBER,
        "closedate": Kind.DATETIME,
        "createdate": Kind.DATETIME,
        "deal_currency_code": Kind.ENUMERATION,
        "dealname": Kind.STRING,
        "dealstage": Kind.ENUMERATION,
        "hs_lastmodifieddate": Kind.DATETIME,
        "hs_object_id": Kind.NUMBER,
        "pipeline": Kind.ENUMERATION,
    },
}

# Returned when a request names no properties (search guide, "Searchable CRM objects").
DEFAULT_PROPERTIES = {
    CONTACTS: ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
    DEALS: (
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ),
}
# Returned whatever properties a request names.
ALWAYS_RETURNED = {
    CONTACTS: ("createdate", "hs_object_id", "lastmodifieddate"),
    DEALS: ("createdate", "hs_lastmodifieddate", "hs_object_id"),
}
# What the free-text ``query`` of a search looks in.
SEARCHABLE_TEXT = {
    CONTACTS: ("firstname", "lastname", "email", "company"),
    DEALS: ("dealname", "pipeline", "dealstage"),
}
UPDATED_PROPERTY = {CONTACTS: "lastmodifieddate", DEALS: "hs_lastmodifieddate"}


def object_type(name: str) -> str | None:
    """The canonical object type (``contacts`` or ``deals``) for any spelling HubSpot accepts, else None."""
    return _OBJECT_TYPE_ALIASES.get(name.lower())


def contact_id_for(buyer: Buyer) -> str | None:
    return str(CONTACT_ID_BASE + buyer.index) if buyer.crm is not None else None


def deal_id_for(buyer: Buyer, opportunity: Opportunity) -> str:
    if not 0 <= opportunity.seq < MAX_DEALS_PER_BUYER:
        raise ValueError(f"{buyer.buyer_id} has more than {MAX_DEALS_PER_BUYER} opportunities")
    return str(DEAL_ID_BASE + MAX_DEALS_PER_BUYER * buyer.index + opportunity.seq)


@dataclass(frozen=True, slots=True)
class ChangeSource:
    """Who or what made a change, as a property history entry names it (``sourceType``, ``sourceId``,
    ``updatedByUserId``)."""

    source_type: str  # FORM, IMPORT, CRM_UI, AUTOMATION_PLATFORM, INTEGRATION, ...
    source_id: str | None = None
    user_id: int | None = None

    def entry(self, value: str, timestamp: str) -> dict[str, object]:
        entry: dict[str, object] = {"value": value, "timestamp": timestamp, "sourceType": self.source_type}
        if self.source_id is not None:
            entry["sourceId"] = self.source_id
        if self.user_id is not None:
            entry["updatedByUserId"] = self.user_id
        return entry


@dataclass(frozen=True, slots=True)
class RecordState:
    """One version of a record: what every property held from ``updated_ms`` until the next version."""

    updated_ms: int
    updated_iso: str
    properties: dict[str, str | None]  # as served
    values: dict[str, object]  # comparable: int ms for datetimes, Decimal for numbers, casefolded strings
    source: ChangeSource  # what made the change that started this version


@dataclass(frozen=True, slots=True)
class CrmObject:
    object_type: str
    id: str
    id_num: int
    created_ms: int
    created_iso: str
    change_times: tuple[int, ...]  # updated_ms of each state, ascending
    states: tuple[RecordState, ...]

    def state_at(self, clock_ms: int) -> RecordState | None:
        """The record as it was at ``clock_ms``, or None if it did not exist yet."""
        position = bisect_right(self.change_times, clock_ms) - 1
        return self.states[position] if position >= 0 else None

    def history(self, name: str, clock_ms: int) -> list[dict[str, object]]:
        """A property's history as ``propertiesWithHistory`` serves it: one entry per time its value was set,
        up to ``clock_ms``, newest first (a property never set has none)."""
        entries: list[dict[str, object]] = []
        previous: str | None = None
        for state in self.states[: bisect_right(self.change_times, clock_ms)]:
            value = state.properties.get(name)
            if value is not None and value != previous:
                entries.append(state.source.entry(value, state.updated_iso))
            previous = value
        entries.reverse()
        return entries


def _state(object_type: str, updated_ms: int, properties: dict[str, object], source: ChangeSource) -> RecordState:
    kinds = PROPERTY_KINDS[object_type]
    served: dict[str, str | None] = {}
    values: dict[str, object] = {}
    for name, value in properties.items():
        kind = kinds[name]
        if value is None:
            served[name] = values[name] = None
        elif kind is Kind.DATETIME:
            assert isinstance(value, int)
            served[name], values[name] = iso_ms(value), value
        elif kind is Kind.NUMBER:
            number = Decimal(str(value))
            served[name], values[name] = decimal_text(number), number
        else:
            text = str(value)
            served[name] = text
            values[name] = text.casefold() if kind is Kind.STRING else text
    return RecordState(updated_ms, iso_ms(updated_ms), served, values, source)


def decimal_text(number: Decimal) -> str:
    """``Decimal('9750')`` → ``"9750"``; ``Decimal('121.50')`` → ``"121.5"``: how HubSpot writes numbers."""
    return format(number.normalize(), "f")


Version = tuple[int, dict[str, object], ChangeSource]  # (when, every property's value then, what changed it)


def _record(object_type: str, object_id: int, created_ms: int, versions: Iterable[Version]) -> CrmObject:
    states = tuple(_state(object_type, at, properties, source) for at, properties, source in versions)
    return CrmObject(
        object_type,
        str(object_id),
        object_id,
        created_ms,
        iso_ms(created_ms),
        tuple(s.updated_ms for s in states),
        states,
    )


def contact_record(buyer: Buyer) -> CrmObject | None:
    """The buyer's HubSpot contact with every version it went through, or None if the CRM never learnt of them."""
    crm = buyer.crm
    if crm is None:
        return None
    contact_id = CONTACT_ID_BASE + buyer.index
    source, detail_1, detail_2 = analytics_source(buyer)
    current: dict[str, object] = {
        "company": buyer.company,
        "createdate": crm.known_at,
        "email": buyer.email_typed.strip(),  # HubSpot's forms and imports trim; the case stays as typed
        "firstname": buyer.first_name,
        "hs_analytics_source": source,
        "hs_analytics_source_data_1": detail_1,
        "hs_analytics_source_data_2": detail_2,
        "hs_object_id": contact_id,
        "lastname": buyer.last_name,
        **dict.fromkeys(IDENTITY_PROPERTIES),
    }
    versions: list[Version] = []
    for at, changed, change_source in contact_changes(buyer):
        # Changes in one instant stay separate versions: each is an entry of its property's history.
        current = {**current, **changed, "lastmodifieddate": at}
        versions.append((at, current, change_source))
    return _record(CONTACTS, contact_id, crm.known_at, versions)


# The custom contact properties that the web app and the loyalty programme sync into the CRM.
IDENTITY_PROPERTIES = ("app_user_id", "loyalty_id", "referral_code", "referred_by_code")
# What history entries name as the source of each kind of change (sourceType, sourceId).
WEB_APP_SYNC = ChangeSource("INTEGRATION", "1180001")  # the web app's private app: accounts, referral codes
LOYALTY_SYNC = ChangeSource("INTEGRATION", "1180002")  # the loyalty programme's private app
WORKFLOW = ChangeSource("AUTOMATION_PLATFORM", "workflow:lead-scoring")
SALES_USER_IDS = (40100001, 40100002, 40100003)  # the sales team: a buyer's owner is one of them


def sales_owner(buyer: Buyer) -> ChangeSource:
    """Changes made by hand in the CRM by the buyer's sales owner."""
    user = SALES_USER_IDS[buyer.index % len(SALES_USER_IDS)]
    return ChangeSource("CRM_UI", f"userId:{user}", user)


def contact_changes(buyer: Buyer) -> list[tuple[int, dict[str, object], ChangeSource]]:
    """(when, the contact properties that changed, what changed them), in time order; the first is the creation.

    The lifecycle moves as :func:`lifecycle_changes` says. The identity properties appear once they were true and
    the buyer was a contact: the web account id (``app_user_id``) from sign-up, the loyalty card from the first
    purchase, the advocate's own ``referral_code`` from advocacy; a referred buyer's ``referred_by_code`` comes with
    the creation (typed into the sign-up form).
    """
    crm = buyer.crm
    assert crm is not None
    created_by = ChangeSource("IMPORT") if crm.known_via == "event" else ChangeSource("FORM")
    stage_sources = {
        "subscriber": ChangeSource("FORM"),
        "lead": created_by,
        "marketingqualifiedlead": WORKFLOW,
        "salesqualifiedlead": sales_owner(buyer),
        "opportunity": sales_owner(buyer),
        "customer": sales_owner(buyer),
        "evangelist": WEB_APP_SYNC,
    }
    stages = lifecycle_changes(buyer)
    created_at, first_stage = stages[0]
    changes: list[tuple[int, dict[str, object], ChangeSource]] = [
        (created_at, {"lifecyclestage": first_stage, "referred_by_code": buyer.referred_by_code}, created_by)
    ]
    changes += [(at, {"lifecyclestage": stage}, stage_sources[stage]) for at, stage in stages[1:]]
    if buyer.user_id is not None and buyer.signed_up_at is not None:
        changes.append((max(buyer.signed_up_at, crm.known_at), {"app_user_id": buyer.user_id}, WEB_APP_SYNC))
    if buyer.loyalty_id is not None and buyer.first_purchase_at is not None:
        changes.append((max(buyer.first_purchase_at, crm.known_at), {"loyalty_id": buyer.loyalty_id}, LOYALTY_SYNC))
    if buyer.referral_code is not None and buyer.advocated_at is not None:
        changes.append((max(buyer.advocated_at, crm.known_at), {"referral_code": buyer.referral_code}, WEB_APP_SYNC))
    return sorted(changes, key=lambda change: change[0])  # stable: the creation stays first at its instant


def lifecycle_changes(buyer: Buyer) -> list[tuple[int, str]]:
    """(when, lifecycle stage) each time the contact's stage moved; HubSpot's lifecycle only moves forward."""
    crm = buyer.crm
    assert crm is not None
    candidates: list[tuple[int, str]] = [(crm.known_at, "subscriber" if crm.known_via == "newsletter" else "lead")]
    if crm.lead_at is not None:
        candidates.append((crm.lead_at, "lead"))
    if crm.mql_at is not None:
        candidates.append((crm.mql_at, "marketingqualifiedlead"))
    if crm.sql_at is not None:
        candidates.append((crm.sql_at, "salesqualifiedlead"))
    if buyer.opportunities:
        candidates.append((buyer.opportunities[0].opened_at, "opportunity"))
    won = [o.closed_at for o in buyer.opportunities if o.outcome == "won" and o.closed_at is not None]
    if won:
        candidates.append((min(won), "customer"))
        if buyer.advocated_at is not None:
            candidates.append((buyer.advocated_at, "evangelist"))
    changes: list[tuple[int, str]] = []
    for at, stage in sorted(candidates, key=lambda c: (c[0], _LIFECYCLE_RANK[c[1]])):
        if not changes or _LIFECYCLE_RANK[stage] > _LIFECYCLE_RANK[changes[-1][1]]:
            changes.append((max(at, changes[-1][0]) if changes else at, stage))
    return changes


def analytics_source(buyer: Buyer) -> tuple[str, str | None, str | None]:
    """Original source and its two drill-downs, as HubSpot's tracking would classify the first touch."""
    touch = buyer.first_touch
    source = ANALYTICS_SOURCES[touch.channel]
    match touch.channel:
        case "paid_search":
            return source, touch.campaign, touch.term
        case "paid_social":
            return source, touch.source, touch.campaign
        case "display":
            return source, touch.campaign, touch.source
        case "email":
            return source, touch.campaign, f"{touch.campaign} (email)"
        case "organic_search":
            return source, touch.term or "Unknown keywords (SSL)", touch.source
        case "organic_social":
            return source, touch.source, None
        case "referral":
            return source, touch.source, f"https://{touch.source}/"
        case "direct":
            return source, f"{vocab.SITE_URL}{touch.landing_page}", None
        case _:  # offline_event: the leads came in through an import of the event's scan list
            return source, "IMPORT", f"{touch.source} leads.csv"


def deal_records(buyer: Buyer) -> list[CrmObject]:
    """One deal per sales opportunity, with a version per stage it reached."""
    records = []
    for opportunity in buyer.opportunities:
        deal_id = int(deal_id_for(buyer, opportunity))
        base: dict[str, object] = {
            "amount": opportunity.amount,
            "createdate": opportunity.opened_at,
            "deal_currency_code": opportunity.currency,
            "dealname": opportunity.name,
            "hs_object_id": deal_id,
            "pipeline": "default",
        }
        versions: list[Version] = []
        for step, at in opportunity.steps:
            closed = step in ("won", "lost")
            properties: dict[str, object] = {
                **base,
                "closedate": at if closed else opportunity.expected_close_at,
                "dealstage": DEAL_STAGES[step],
                "hs_lastmodifieddate": at,
            }
            versions.append((at, properties, sales_owner(buyer)))
        records.append(_record(DEALS, deal_id, opportunity.opened_at, versions))
    return records


class Portal:
    """The sandbox HubSpot account: every record of the world, and views of them at any instant.

    Views are computed once per (object type, clock) and kept for the few most recent clocks, so paging
    through a search costs one filter pass per page, not one projection per page.
    """

    _KEPT_VIEWS = 8

    def __init__(self, world: World) -> None:
        self.world = world
        objects: dict[str, list[CrmObject]] = {CONTACTS: [], DEALS: []}
        self._deal_contact: dict[str, str] = {}
        self._contact_deals: dict[str, list[str]] = {}
        for buyer in world.iter_buyers():
            contact = contact_record(buyer)
            if contact is None:
                continue
            objects[CONTACTS].append(contact)
            for deal in deal_records(buyer):
                objects[DEALS].append(deal)
                self._deal_contact[deal.id] = contact.id
                self._contact_deals.setdefault(contact.id, []).append(deal.id)
        self._objects = {kind: sorted(found, key=lambda o: o.id_num) for kind, found in objects.items()}
        self._by_id = {kind: {o.id: o for o in found} for kind, found in self._objects.items()}
        self._views: dict[tuple[str, int], list[tuple[CrmObject, RecordState]]] = {}
        self._lock = threading.Lock()

    def view(self, object_type: str, clock_ms: int) -> list[tuple[CrmObject, RecordState]]:
        """Every record that existed at ``clock_ms``, in id order, each in its state at that instant."""
        key = (object_type, clock_ms)
        with self._lock:
            cached = self._views.get(key)
        if cached is not None:
            return cached
        view = []
        for crm_object in self._objects[object_type]:
            state = crm_object.state_at(clock_ms)
            if state is not None:
                view.append((crm_object, state))
        with self._lock:
            if len(self._views) >= self._KEPT_VIEWS:
                self._views.pop(next(iter(self._views)))
            self._views[key] = view
        return view

    def get(self, object_type: str, object_id: str, clock_ms: int) -> tuple[CrmObject, RecordState] | None:
        crm_object = self._by_id[object_type].get(object_id)
        state = crm_object.state_at(clock_ms) if crm_object is not None else None
        return (crm_object, state) if crm_object is not None and state is not None else None

    def associated(self, from_type: str, object_id: str, to_type: str, clock_ms: int) -> list[str]:
        """Ids of ``to_type`` records associated with the given record at ``clock_ms``, in id order."""
        if self.get(from_type, object_id, clock_ms) is None:
            return []
        if (from_type, to_type) == (DEALS, CONTACTS):
            candidates = [self._deal_contact[object_id]] if object_id in self._deal_contact else []
        elif (from_type, to_type) == (CONTACTS, DEALS):
            candidates = self._contact_deals.get(object_id, [])
        else:
            return []
        return sorted((i for i in candidates if self.get(to_type, i, clock_ms) is not None), key=int)

    def count(self, object_type: str) -> int:
        return len(self._objects[object_type])

    def all_objects(self, object_type: str) -> Iterator[CrmObject]:
        return iter(self._objects[object_type])


def served_object(crm_object: CrmObject, state: RecordState, names: Iterable[str]) -> dict[str, object]:
    """A CRM object as the v3 objects and search endpoints serve it."""
    properties: Mapping[str, str | None] = state.properties
    return {
        "id": crm_object.id,
        "properties": {name: properties.get(name) for name in sorted(set(names))},
        "createdAt": crm_object.created_iso,
        "updatedAt": state.updated_iso,
        "archived": False,
    }
