"""Identity stitching, touches before purchase and time to convert against the sandbox world's truth (issue 5).

One world of 300 buyers is served by the sandbox, every registered source is loaded over its whole history and dbt
builds the core once (models and seeds; the dbt tests run elsewhere). The truth files (``World.write_truth``) say
which buyer every identifier, touch and purchase belongs to; the raw tables say what the sources actually served.

**Linkable.** Two identifiers of one true buyer are *linkable* when a chain of served records joins them, each
record naming two identifiers deterministically: a HubSpot contact (its id, email, ``app_user_id``,
``loyalty_id``), a Mailchimp member or its email activity (``unique_email_id`` = ``mc_eid``, email), a Matomo visit
(``visitorId`` with its ``userId`` and the click ids in its URLs and custom dimension 1). The chains are computed
here from the raw payloads with plain Python, not from our dbt models, so the test checks the models against what
the data makes possible. Records that name one identifier only (Google Ads clicks, badge scans, calls, store
visits, survey answers) link nothing.

**Why some shortfall remains.** The sandbox's Matomo runs with the setting our docs recommend,
``enable_userid_overwrites_visitorid = 0``: a logged-in visit keeps the device's cookie visitor id and carries the
``userId``, so the login joins that device's earlier anonymous visits to the account
(https://matomo.org/faq/general/how-are-requests-with-a-user-id-tracked; docs/sources/matomo.md). What stays
unlinkable is a device that never logs in and never follows a tracked email link (a phone used only to browse):
Matomo's ``fingerprint`` hashes the device's configuration and IP address, and we never link on IP; HubSpot knows a
contact by email and, once synced, by ``app_user_id``, but not by a Matomo visitor. Hence: per buyer, our journey
must hold exactly the *linkable* part of the true journey; it must equal the truth's journey where that is all of it
(*fully linkable*); and with the recommended setting most journeys are fully linkable (under Matomo's shipped
default, ``1``, a logged-in visit gets ``sha1(userId)[:16]`` instead, which splits every device at the login: on this
world only 10 of 38 first purchases were then fully linkable). The assertion messages give the population-wide
medians (truth, linkable, ours) for the record.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from purchase_path.transform import run_dbt
from sandbox.server import SandboxServer
from sandbox.world import World

_spec = importlib.util.spec_from_file_location(
    "sandbox_pipeline", Path(__file__).with_name("dbt") / "sandbox_pipeline.py"
)
pipeline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pipeline)

SEED, BUYERS = 7, 300
PII_SALT = "truth-test-salt"  # set for dbt by the fixture, so that this test can hash the truth's emails alike
# The touch types of the truth's touches.csv (web visits and badge scans). Our journeys also count sales calls
# (docs/architecture.md, counts_in_path), which the truth does not list as touches: they are left out of the count.
TRUTH_TOUCH_TYPES = ("web_visit", "event_scan")
CONVERSION_TYPES = {"ecommerce": "ecommerce_order", "deal": "crm_deal_won"}
OUR_TYPE_NAMES = {"email_hash": "email", "app_user_id": "user_id"}  # our identifier types -> the truth's
CLICK_ID_PARAMETERS = ("gclid", "fbclid", "mc_eid")

Node = tuple[str, str]  # (identifier type, identifier) in the truth's vocabulary


def normal_email(value: str) -> str:
    return value.strip().lower()


def normal_loyalty_id(value: str) -> str:
    return value.strip().upper()


def email_hash(email: str) -> str:
    """What the dbt macro hash_email gives for an address (docs/architecture.md: sha256 of salt + trimmed, lower)."""
    return hashlib.sha256((PII_SALT + normal_email(email)).encode()).hexdigest()


class Components:
    """Union-find over identifiers: which identifiers the served records chain together."""

    def __init__(self) -> None:
        self.parent: dict[Node, Node] = {}

    def add(self, node: Node) -> None:
        self.parent.setdefault(node, node)

    def find(self, node: Node) -> Node:
        self.add(node)
        root = node
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[node] != root:
            self.parent[node], node = root, self.parent[node]
        return root

    def link(self, a: Node, b: Node) -> None:
        self.parent[self.find(a)] = self.find(b)


@dataclass(frozen=True)
class Truth:
    identities: dict[Node, str]  # identifier -> buyer_id
    buyers: dict[str, dict[str, str]]
    touches: list[dict[str, str]]
    first_purchases: dict[str, dict[str, str]]  # buyer_id -> the purchase with purchase_seq 0


def read_truth(folder: Path) -> Truth:
    def rows(name: str) -> list[dict[str, str]]:
        with (folder / name).open(newline="") as file:
            return list(csv.DictReader(file))

    return Truth(
        identities={(row["identifier_type"], row["identifier"]): row["buyer_id"] for row in rows("identities.csv")},
        buyers={row["buyer_id"]: row for row in rows("buyers.csv")},
        touches=rows("touches.csv"),
        first_purchases={row["buyer_id"]: row for row in rows("purchases.csv") if row["purchase_seq"] == "0"},
    )


def _payloads(warehouse, table: str) -> list[dict]:
    return [payload for (payload,) in pipeline.query(warehouse, f"select payload from raw.{table}")]  # noqa: S608


def _url_click_ids(url: str | None) -> list[Node]:
    query = parse_qs(urlsplit(url or "").query)
    return [(name, value) for name in CLICK_ID_PARAMETERS for value in query.get(name, [])]


def served_components(warehouse) -> tuple[Components, dict[str, Node], dict[str, list[Node]]]:
    """The identifiers the raw tables show, chained by every served record that names two of them; also the
    visitor of each Matomo visit (by visit id) and the contacts of each HubSpot deal (by deal id)."""
    graph = Components()
    for contact in _payloads(warehouse, "hubspot__contacts"):
        if contact.get("archived"):
            continue
        contact_node = ("hubspot_contact_id", str(contact["id"]))
        graph.add(contact_node)
        properties = contact["properties"]
        for name, node_type, normal in (
            ("email", "email", normal_email),
            ("app_user_id", "user_id", str.strip),
            ("loyalty_id", "loyalty_id", normal_loyalty_id),
        ):
            if properties.get(name) and normal(properties[name]):
                graph.link(contact_node, (node_type, normal(properties[name])))
    for member in _payloads(warehouse, "mailchimp__members"):
        graph.link(("mc_eid", member["unique_email_id"]), ("email", normal_email(member["email_address"])))
    for report in _payloads(warehouse, "mailchimp__email_activity"):
        email = ("email", normal_email(report["email_address"]))
        graph.add(email)
        for activity in report.get("activity", []):
            for node in _url_click_ids(activity.get("url")):
                graph.link(email, node)
    visitors: dict[str, Node] = {}
    for visit in _payloads(warehouse, "matomo__visits"):
        visitor = ("matomo_visitor_id", visit["visitorId"])
        visitors[str(visit["idVisit"])] = visitor
        graph.add(visitor)
        if visit.get("userId"):
            graph.link(visitor, ("user_id", visit["userId"]))
        if visit.get("dimension1"):
            graph.link(visitor, ("gclid", visit["dimension1"]))
        for action in visit.get("actionDetails", []):
            for node in _url_click_ids(action.get("url")):
                graph.link(visitor, node)
    for table, column, node_type, normal in (
        ("offline__event_scans", "email", "email", normal_email),
        ("offline__calls", "email", "email", normal_email),
        ("offline__store_visits", "loyalty_id", "loyalty_id", normal_loyalty_id),
        ("questionpro__responses", "emailAddress", "email", normal_email),
    ):
        for record in _payloads(warehouse, table):
            if record.get(column) and normal(record[column]):
                graph.add((node_type, normal(record[column])))
    for click in _payloads(warehouse, "google_ads__click_views"):
        graph.add(("gclid", click["clickView"]["gclid"]))
    deal_contacts: dict[str, list[Node]] = defaultdict(list)
    for association in _payloads(warehouse, "hubspot__deal_contacts"):
        for target in association.get("to", []):
            deal_contacts[str(association["from"]["id"])].append(("hubspot_contact_id", str(target["toObjectId"])))
    return graph, visitors, deal_contacts


@dataclass(frozen=True)
class Built:
    truth: Truth
    served: Components
    visit_visitors: dict[str, Node]
    deal_contacts: dict[str, list[Node]]
    customer_keys: dict[Node, str]  # every identifier our stitching resolved (truth vocabulary) -> customer_key
    unknown_identifiers: list[tuple[str, str]]  # identifiers our stitching holds that the truth does not know


def our_customer_keys(warehouse, truth: Truth) -> tuple[dict[Node, str], list[tuple[str, str]]]:
    emails_by_hash = {email_hash(value): value for (kind, value) in truth.identities if kind == "email"}
    keys: dict[Node, str] = {}
    unknown: list[tuple[str, str]] = []
    rows = pipeline.query(
        warehouse,
        "select identifier_type, identifier_value, customer_key from intermediate.int_identities_stitched"
        " where identifier_type <> 'touch_id'",
    )
    for identifier_type, value, customer_key in rows:
        node = (OUR_TYPE_NAMES.get(identifier_type, identifier_type), value)
        if identifier_type == "email_hash":
            node = ("email", emails_by_hash.get(value, "?" + value))
        if node in truth.identities:
            keys[node] = customer_key
        else:
            unknown.append((identifier_type, value))
    return keys, unknown


@pytest.fixture(scope="module")
def built(warehouse, tmp_path_factory) -> Built:
    """The world served, loaded over its whole history into an empty raw schema, the core built once."""
    world = World.generate(seed=SEED, buyers=BUYERS)
    folder = tmp_path_factory.mktemp("truth")
    world.write_truth(folder / "truth")
    start = datetime.combine(world.start_date, time(0), tzinfo=UTC)
    end = datetime.combine(world.end_date, time(0), tzinfo=UTC)
    server = SandboxServer(world, landing_dir=folder / "landing").start()
    with pytest.MonkeyPatch.context() as env:
        for name, value in server.airflow_connections().items():
            env.setenv(name, value)
        env.setenv("PURCHASE_PATH_PII_SALT", PII_SALT)
        env.setenv("DBT_TARGET_PATH", str(folder / "target"))
        env.setenv("DBT_LOG_PATH", str(folder / "logs"))
        try:
            _drop_raw(warehouse)
            pipeline.load_every_source(warehouse, start, end)
            pipeline.ensure_raw_tables(warehouse)
            run_dbt(
                ["build", "--select", "+fct_conversions", "--full-refresh"]
                + ["--exclude-resource-type", "test", "--exclude-resource-type", "unit_test"],
                warehouse,
            )
        finally:
            server.stop()
    truth = read_truth(folder / "truth")
    served, visitors, deal_contacts = served_components(warehouse)
    keys, unknown = our_customer_keys(warehouse, truth)
    return Built(truth, served, visitors, deal_contacts, keys, unknown)


def _drop_raw(warehouse) -> None:
    with warehouse.connect(autocommit=True) as conn:
        tables = conn.execute(
            "select schemaname || '.' || tablename from pg_tables where schemaname in ('raw', 'ops')"
        ).fetchall()
        for (table,) in tables:
            conn.execute(f"drop table {table} cascade")


# --- identity stitching -------------------------------------------------------------------------------------------


def linkable_groups(built: Built) -> list[list[Node]]:
    """The served identifiers of each true buyer, grouped by the chains that join them (a group of one links
    nothing). Fails if a served chain joins two buyers: the sandbox would then serve something the truth denies."""
    groups: dict[Node, list[Node]] = defaultdict(list)
    for node in built.served.parent:
        groups[built.served.find(node)].append(node)
    by_buyer: list[list[Node]] = []
    for members in groups.values():
        buyers = Counter(built.truth.identities.get(node) for node in members)
        assert None not in buyers, (
            f"served identifiers unknown to the truth: {[n for n in members if n not in built.truth.identities][:5]}"
        )
        assert len(buyers) == 1, f"served records chain identifiers of several buyers: {sorted(buyers)}"
        by_buyer.append(members)
    return by_buyer


def test_every_identifier_the_sources_served_belongs_to_a_true_buyer(built):
    """The premise of the other tests: the truth names every identifier the raw tables show, and the served records
    never chain two buyers together."""
    assert linkable_groups(built)


def test_stitching_holds_only_true_identifiers(built):
    """Normalising and hashing match across sources: every identifier our stitching keys is one the truth knows
    (an email hashed differently by one source, or an id with another case, would show up here)."""
    assert not built.unknown_identifiers, f"identifiers no true buyer has: {built.unknown_identifiers[:10]}"


def test_stitching_recovers_the_links_the_data_makes_possible(built):
    """Recall over pairs: of all pairs of one buyer's identifiers that a chain of served records joins, at least
    95% share one customer key."""
    possible = recovered = 0
    missed: list[list[Node]] = []
    for members in linkable_groups(built):
        pairs = len(members) * (len(members) - 1) // 2
        same_key = Counter(built.customer_keys.get(node, f"unkeyed:{node}") for node in members)
        found = sum(count * (count - 1) // 2 for count in same_key.values())
        possible += pairs
        recovered += found
        if found < pairs:
            missed.append(members)
    assert possible > 500, "too few linkable pairs for the comparison to say anything"
    assert recovered / possible >= 0.95, f"recall {recovered}/{possible}; e.g. split: {missed[:3]}"


def test_stitching_never_merges_two_true_buyers(built):
    buyers_by_key: dict[str, set[str]] = defaultdict(set)
    for node, key in built.customer_keys.items():
        buyers_by_key[key].add(built.truth.identities[node])
    merged = {key: sorted(buyers) for key, buyers in buyers_by_key.items() if len(buyers) > 1}
    assert not merged, f"{len(merged)} customer keys hold several true buyers, e.g. {list(merged.items())[:3]}"


# --- touches before the first purchase, days to convert -----------------------------------------------------------


@dataclass(frozen=True)
class Journey:
    """One buyer's first purchase: the truth's journey before it, the part of it the served data links to the
    purchase, and ours (None where the warehouse has no such purchase)."""

    buyer_id: str
    true_touches: int
    true_seconds: float  # from the first touch to the first purchase
    linkable_touches: int  # true touches whose identifier a chain of served records joins to the purchase's
    linkable_seconds: float | None  # from the first linkable touch
    our_touches: int | None
    our_seconds: float | None
    our_first_purchase: bool | None

    @property
    def fully_linkable(self) -> bool:
        return self.linkable_touches == self.true_touches


def _iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _our_first_cycles(warehouse) -> dict[tuple[str, str], tuple[int, datetime | None, datetime, bool]]:
    """(conversion type, vendor record id) -> our touches of the truth's kinds in the purchase's cycle (all of
    them: the cycle's start is the previous purchase; the marts' conversion_lookback_days is not applied), the first
    one's time, the purchase time, whether it is the customer's first purchase."""
    rows = pipeline.query(
        warehouse,
        """
        select c.conversion_type, p.source_record_id, count(t.touch_id), min(t.occurred_at), c.converted_at,
            c.is_first_purchase
        from core.fct_conversions as c
        inner join core.fct_touchpoints as p on p.touch_id = c.conversion_id
        left join core.fct_touchpoints as t
            on t.customer_key = c.customer_key
            and t.counts_in_path
            and t.touch_type = any(%s)
            and t.occurred_at <= c.converted_at
            and t.occurred_at > coalesce(c.cycle_started_after, '-infinity')
        group by c.conversion_type, p.source_record_id, c.converted_at, c.is_first_purchase
        """,
        (list(TRUTH_TOUCH_TYPES),),
    )
    return {(kind, record): (touches, first_at, at, is_first) for kind, record, touches, first_at, at, is_first in rows}


def journeys(warehouse, built: Built) -> list[Journey]:
    truth = built.truth
    touches_before: dict[str, list[dict[str, str]]] = defaultdict(list)
    for touch in truth.touches:
        if touch["before_first_purchase"] == "true":
            touches_before[touch["buyer_id"]].append(touch)
    ours = _our_first_cycles(warehouse)
    found: list[Journey] = []
    for buyer_id, purchase in sorted(truth.first_purchases.items()):
        buyer = truth.buyers[buyer_id]
        if purchase["kind"] == "deal":
            record_id = purchase["hubspot_deal_id"]
            purchase_nodes = built.deal_contacts.get(record_id, [])
        else:
            record_id = purchase["order_id"]
            purchase_nodes = [built.visit_visitors[purchase["matomo_visit_id"]]]
        roots = {built.served.find(node) for node in purchase_nodes}
        linkable = [
            touch
            for touch in touches_before[buyer_id]
            if built.served.find(
                built.visit_visitors[touch["matomo_visit_id"]]
                if touch["touch_type"] == "web_visit"
                else ("email", buyer["email"])
            )
            in roots
        ]
        purchased_at = _iso(buyer["first_purchase_at"])
        first_linkable = min((_iso(touch["touched_at"]) for touch in linkable), default=None)
        our_touches = our_seconds = our_first = None
        if (mine := ours.get((CONVERSION_TYPES[purchase["kind"]], record_id))) is not None:
            our_touches, our_first_at, converted_at, our_first = mine
            our_seconds = (converted_at - our_first_at).total_seconds() if our_first_at is not None else None
        found.append(
            Journey(
                buyer_id=buyer_id,
                true_touches=len(touches_before[buyer_id]),
                true_seconds=(purchased_at - _iso(buyer["first_touch_at"])).total_seconds(),
                linkable_touches=len(linkable),
                linkable_seconds=(purchased_at - first_linkable).total_seconds() if first_linkable else None,
                our_touches=our_touches,
                our_seconds=our_seconds,
                our_first_purchase=our_first,
            )
        )
    return found


@pytest.fixture(scope="module")
def first_purchases(warehouse, built) -> list[Journey]:
    found = journeys(warehouse, built)
    assert len(found) >= 25, "too few buyers bought for the comparison to say anything"
    return found


def _median(values) -> float:
    return statistics.median(values) if values else float("nan")


def _summary(found: list[Journey]) -> str:
    return (
        f"median touches before the first purchase over all {len(found)} buyers: truth "
        f"{_median([j.true_touches for j in found])}, linkable {_median([j.linkable_touches for j in found])}, "
        f"ours {_median([j.our_touches or 0 for j in found])}"
    )


def test_every_true_first_purchase_is_the_customers_first_conversion(first_purchases):
    """Each buyer's first deal won or web-shop order is in fct_conversions as their customer's first purchase."""
    wrong = [j.buyer_id for j in first_purchases if j.our_first_purchase is not True]
    assert not wrong, f"true first purchases missing or not first in fct_conversions: {wrong}"


def test_touches_before_first_purchase_are_every_touch_the_data_links(first_purchases):
    """Per buyer, our journey before the first purchase holds exactly the true touches that a chain of served
    records joins to the purchase, and never a touch the buyer did not make. Buyers with visits on a device that
    never logs in (see the module docstring) have fewer touches than the truth; that is expected."""
    too_many = [j for j in first_purchases if (j.our_touches or 0) > j.linkable_touches]
    assert not too_many, f"journeys with touches the buyer's data does not link: {too_many[:3]}"
    exact = [j for j in first_purchases if j.our_touches == j.linkable_touches]
    assert len(exact) >= 0.95 * len(first_purchases), (
        f"only {len(exact)}/{len(first_purchases)} journeys hold every linkable touch; {_summary(first_purchases)}"
    )


def test_touches_before_first_purchase_match_the_truth_where_the_journey_is_linkable(first_purchases):
    """For buyers whose every touch before the first purchase is linkable, the distribution of touches before the
    first purchase is the truth's: medians equal, per buyer exact for at least 90%."""
    linkable = [j for j in first_purchases if j.fully_linkable]
    assert len(linkable) >= 8, f"only {len(linkable)} fully linkable journeys; {_summary(first_purchases)}"
    assert _median([j.our_touches for j in linkable]) == _median([j.true_touches for j in linkable])
    exact = [j for j in linkable if j.our_touches == j.true_touches]
    assert len(exact) >= 0.9 * len(linkable), f"exact for {len(exact)}/{len(linkable)}: {linkable}"


def test_time_to_first_purchase_matches_the_truth_where_the_journey_is_linkable(first_purchases):
    """From the first touch to the first purchase, to the second: for fully linkable journeys equal to the truth's
    (median and per buyer for at least 90%); for every buyer equal to the time from the first linkable touch."""
    linkable = [j for j in first_purchases if j.fully_linkable]
    assert _median([j.our_seconds for j in linkable]) == _median([j.true_seconds for j in linkable])
    exact = [j for j in linkable if j.our_seconds == j.true_seconds]
    assert len(exact) >= 0.9 * len(linkable), f"exact for {len(exact)}/{len(linkable)}: {linkable}"
    as_linked = [j for j in first_purchases if j.our_seconds == j.linkable_seconds]
    assert len(as_linked) >= 0.95 * len(first_purchases), [j for j in first_purchases if j not in as_linked][:3]


def test_the_recommended_matomo_setting_links_most_of_each_journey(first_purchases):
    """With ``enable_userid_overwrites_visitorid = 0`` (the sandbox's default, docs/sources/matomo.md) a login joins
    the device's earlier anonymous visits, so most journeys are whole: at least 60% of first purchases are fully
    linkable, our journeys hold at least 80% of the true touches before first purchases, and our median of touches
    before the first purchase is at least three quarters of the truth's. Measured on this world: 27 of 38 fully
    linkable, 287 of 330 touches, medians truth 8 and ours 7; under Matomo's shipped default (overwrite on) it was
    10 of 38, 168 of 330, medians 8 and 1.5."""
    fully = [j for j in first_purchases if j.fully_linkable]
    assert len(fully) >= 0.6 * len(first_purchases), (
        f"only {len(fully)}/{len(first_purchases)} fully linkable; {_summary(first_purchases)}"
    )
    held, true = sum(j.our_touches or 0 for j in first_purchases), sum(j.true_touches for j in first_purchases)
    assert held >= 0.8 * true, f"our journeys hold {held} of {true} true touches; {_summary(first_purchases)}"
    ours, truth = (
        _median([j.our_touches or 0 for j in first_purchases]),
        _median([j.true_touches for j in first_purchases]),
    )
    assert ours >= 0.75 * truth, _summary(first_purchases)
