"""Web visits as the site's analytics tags record them: pages, time on page, goals, orders, traffic source.

Both web analytics emulations (Matomo, GA4) read the same visits from here, as a site with both tags would: the
world says *that* a buyer visited (a web :class:`~sandbox.world.Touch`) and what they did that matters (a
subscription, a lead form, an account sign-up, an order, at exact instants); :func:`visit_detail` fills in the
pages around those moments from the visit's own random stream (``visit/<touch seq>``), so any visit can be
rebuilt alone.

- Every page has a true dwell time. Matomo, like the real one without its heartbeat timer, does not know the
  time spent on a visit's last page (``timeSpent`` 0 there; ``visitDuration`` = last action - first action);
  GA4 measures foreground time, so its ``userEngagementDuration`` is the sum of all dwell times.
- Matomo (self-hosted, first-party, configured to need no consent) sees every visit. GA4 sees a visit with
  probability :data:`P_GA4_SEES` (consent refused, ad blockers), decided per visit from a digest.
- GA4 needs time to process: a visit counts in its reports only :func:`ga4_processing_delay` after it ended
  (mostly within hours, sometimes up to three days), so the last days' numbers still grow when re-pulled.
- The web shop tracks revenue in the site's currency (USD): EUR orders are converted at the shop's checkout
  rate (:func:`usd_per_eur`), so analytics revenue differs from the order's own amount for EUR buyers.
"""

from __future__ import annotations

import math
import random
import re
import threading
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from sandbox import identifiers as ids
from sandbox import vocabulary as vocab
from sandbox.timefmt import MS_PER_DAY
from sandbox.world import Buyer, Purchase, Touch, World, WorldConfig, stream_seed

VISIT_ID_STRIDE = 1000  # Matomo idVisit = stride * buyer index + touch seq + 1
P_GA4_SEES = 0.88
GA4_LAST_NON_DIRECT_LOOKBACK_MS = 90 * MS_PER_DAY

_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """``Search - Brand`` -> ``search-brand``: how campaign names are written into UTM parameters."""
    return _SLUG.sub("-", text.lower()).strip("-")


def matomo_visit_id(index: int, seq: int) -> int:
    if not 0 <= seq < VISIT_ID_STRIDE - 1:
        raise ValueError(f"touch seq {seq} does not fit Matomo visit ids (at most {VISIT_ID_STRIDE - 1} per buyer)")
    return VISIT_ID_STRIDE * index + seq + 1


def ga4_sees(seed: int, index: int, seq: int) -> bool:
    return ids.unit_interval(seed, index, "ga4/sees", seq) < P_GA4_SEES


def ga4_processing_delay(seed: int, index: int, seq: int) -> int:
    """How long after a visit ended GA4 shows it in reports (ms): 70% within 4 h, 25% within a day, 5% up to 3 days."""
    u = ids.unit_interval(seed, index, "ga4/delay", seq)
    hour = 3_600_000
    if u < 0.70:
        return int(hour + u / 0.70 * 3 * hour)
    if u < 0.95:
        return int(4 * hour + (u - 0.70) / 0.25 * 20 * hour)
    return int(24 * hour + (u - 0.95) / 0.05 * 48 * hour)


def usd_per_eur(at_ms: int) -> Decimal:
    """The shop's EUR->USD checkout rate on the day of ``at_ms`` (a smooth synthetic curve around 1.08)."""
    day = at_ms // MS_PER_DAY
    return Decimal(str(round(1.08 + 0.03 * math.sin(2 * math.pi * day / 60), 4)))


def revenue_usd(purchase: Purchase) -> Decimal:
    """An order's revenue as the shop reports it to analytics: in USD, cents rounded half up."""
    amount = purchase.amount if purchase.currency == "USD" else purchase.amount * usd_per_eur(purchase.at)
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# -- traffic source ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrafficSource:
    """Where a visit came from, as the landing URL, the referrer, Matomo and GA4 describe it."""

    utm: tuple[tuple[str, str], ...]  # utm_* parameters, in URL order
    referrer_url: str | None
    matomo_type: str  # "campaign", "search", "social", "website", "direct"
    matomo_name: str
    matomo_keyword: str
    ga4_source: str
    ga4_medium: str
    ga4_campaign: str
    ga4_channel_group: str

    @property
    def is_direct(self) -> bool:
        return self.matomo_type == "direct"


_MATOMO_TYPE_NAMES = {
    "campaign": "Campaigns",
    "search": "Search Engines",
    "social": "Social Networks",
    "website": "Websites",
    "direct": "Direct Entry",
}


def matomo_type_name(referrer_type: str) -> str:
    return _MATOMO_TYPE_NAMES[referrer_type]


def traffic_source(touch: Touch) -> TrafficSource:
    channel = touch.channel
    campaign = slug(touch.campaign) if touch.campaign else ""
    if channel in ("paid_search", "display", "paid_social", "email"):
        source, medium, group, referrer = {
            "paid_search": ("google", "cpc", "Paid Search", "https://www.google.com/"),
            "display": ("google", "display", "Display", "https://googleads.g.doubleclick.net/"),
            "paid_social": ((touch.source or "").lower(), "paid_social", "Paid Social", None),
            "email": ("mailchimp", "email", "Email", None),
        }[channel]
        if channel == "paid_social":
            referrer = vocab.SOCIAL_REFERRERS[touch.source or "Facebook"][0]
        utm = [("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign)]
        if touch.term:
            utm.append(("utm_term", touch.term))
        return TrafficSource(
            tuple(utm), referrer, "campaign", campaign, touch.term or "", source, medium, campaign, group
        )
    if channel == "organic_search":
        engine = touch.source or "google"
        url, name = vocab.SEARCH_ENGINE_REFERRERS[engine]
        keyword = touch.term if touch.term and engine != "google" else ""  # Google hides the query
        referrer = f"{url}?{urlencode({'q': keyword})}" if keyword else url
        return TrafficSource((), referrer, "search", name, keyword, engine, "organic", "(organic)", "Organic Search")
    if channel == "organic_social":
        url, name, host = vocab.SOCIAL_REFERRERS[touch.source or "LinkedIn"]
        return TrafficSource((), url, "social", name, "", host, "referral", "(referral)", "Organic Social")
    if channel == "referral":
        domain = touch.source or "example.org"
        path = "reviews/purchase-path" if "2" in domain or "capterra" in domain else "posts/attribution"
        return TrafficSource(
            (), f"https://{domain}/{path}", "website", domain, "", domain, "referral", "(referral)", "Referral"
        )
    return TrafficSource((), None, "direct", "", "", "(direct)", "(none)", "(direct)", "Direct")


# -- visit detail --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    path: str
    title: str
    at: int
    dwell_s: int  # true time on the page (seconds)


@dataclass(frozen=True, slots=True)
class Conversion:
    kind: str  # "goal" or "order"
    at: int
    path: str  # the page it happened on
    goal_id: int  # Matomo goal id; 0 for ecommerce orders
    goal_name: str
    purchase_seq: int | None = None


@dataclass(frozen=True, slots=True)
class VisitDetail:
    buyer_index: int
    touch_seq: int
    id_visit: int
    pages: tuple[Page, ...]
    conversions: tuple[Conversion, ...]
    landing_url: str
    source: TrafficSource

    @property
    def first_at(self) -> int:
        return self.pages[0].at

    @property
    def last_at(self) -> int:
        """The last action: page view or conversion (Matomo's visit_last_action_time)."""
        last_page = self.pages[-1].at
        return max(last_page, self.conversions[-1].at) if self.conversions else last_page

    @property
    def engagement_s(self) -> int:
        return sum(p.dwell_s for p in self.pages)


_MOMENT_PAGES = {
    "subscribe": "/newsletter/thanks",
    "signup": "/signup/welcome",
    "order": "/checkout/complete",
}


class VisitBuilder:
    """Builds the visits of one world: landing URLs, pages, conversions (pure functions of world and touch)."""

    def __init__(self, config: WorldConfig) -> None:
        self.config = config
        self._campaign_ids = {s.seq: s.campaign_id for s in config.email_sends}

    def landing_url(self, buyer: Buyer, touch: Touch) -> str:
        params = list(traffic_source(touch).utm)
        if touch.gclid:
            params.append(("gclid", touch.gclid))
        if touch.fbclid:
            params.append(("fbclid", touch.fbclid))
        if touch.channel == "email":
            if touch.email_send in self._campaign_ids:
                params.append(("mc_cid", self._campaign_ids[touch.email_send]))
            if buyer.mc_eid:
                params.append(("mc_eid", buyer.mc_eid))
        query = f"?{urlencode(params)}" if params else ""
        return f"{vocab.SITE_URL}{touch.landing_page}{query}"

    def detail(self, buyer: Buyer, touch: Touch) -> VisitDetail:
        if not touch.is_web:
            raise ValueError(f"touch {touch.seq} of {buyer.buyer_id} is not a web visit")
        rng = random.Random(stream_seed(self.config.seed, buyer.index, f"visit/{touch.seq}"))
        stage = "retention" if touch.stage in ("retention", "advocacy") else touch.stage
        browse = vocab.BROWSE_PAGES[stage]
        stamps: list[tuple[str, int]] = [(touch.landing_page, touch.at)]
        conversions: list[Conversion] = []
        cursor = touch.at
        for moment in touch.moments:
            gap = moment.at - cursor
            fillers = min(rng.randint(0, 2), max(0, gap // 25_000 - 1))
            for at in sorted(rng.sample(range(cursor + 1000, moment.at, 1000), fillers)) if fillers else ():
                stamps.append((rng.choice(browse), at))
            if moment.kind == "form":
                path = "/demo/thanks" if buyer.is_b2b else "/contact/thanks"
            else:
                path = _MOMENT_PAGES[moment.kind]
            if moment.at > stamps[-1][1]:
                stamps.append((path, moment.at))
            if moment.kind == "order":
                conversions.append(Conversion("order", moment.at, path, 0, "", moment.purchase_seq))
            else:
                goal_id, goal_name = vocab.GOALS[moment.kind]
                conversions.append(Conversion("goal", moment.at, path, goal_id, goal_name))
            cursor = max(cursor, moment.at)
        tail = {"awareness": (0, 2), "consideration": (1, 4), "purchase": (1, 3), "retention": (0, 3)}[stage]
        for _ in range(rng.randint(*tail) if not touch.moments else rng.randint(0, 1)):
            cursor += int(rng.gammavariate(1.5, 40.0) * 1000) // 1000 * 1000 + 1000
            stamps.append((rng.choice(browse), cursor))
        pages = []
        for position, (path, at) in enumerate(stamps):
            following = stamps[position + 1][1] if position + 1 < len(stamps) else None
            if following is not None:
                dwell = (following - at) // 1000
            elif len(stamps) == 1 and rng.random() < 0.45:  # a quick bounce
                dwell = rng.randint(1, 9)
            else:
                dwell = int(rng.gammavariate(1.2, 35.0))
            pages.append(Page(path, vocab.PAGE_TITLES.get(path, "Purchase Path"), at, dwell))
        return VisitDetail(
            buyer_index=buyer.index,
            touch_seq=touch.seq,
            id_visit=matomo_visit_id(buyer.index, touch.seq),
            pages=tuple(pages),
            conversions=tuple(conversions),
            landing_url=self.landing_url(buyer, touch),
            source=traffic_source(touch),
        )


# -- every visit of a world, indexed once for the analytics emulations -----------------------------------------


@dataclass(frozen=True, slots=True)
class VisitRecord:
    """What the analytics emulations index about one web visit (the full detail is rebuilt on demand)."""

    id_visit: int
    buyer_index: int
    touch_seq: int
    first_at: int
    last_at: int
    pageviews: int
    engagement_s: int
    key_events: int
    orders: int
    revenue_cents: int  # USD, ecommerce orders placed in the visit


class WebLog:
    """Every web visit of a world, summarised once (on first use) and shared by Matomo and GA4.

    Holds one small record per visit (a few hundred bytes): fine for demo and test worlds (tens of thousands of
    visits). Serving a million-buyer world would need these records in a database instead (see docs/sandbox.md).
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.builder = VisitBuilder(world.config)
        self._records: list[VisitRecord] | None = None
        self._lock = threading.Lock()

    def buyer(self, index: int) -> Buyer:
        return self.world.buyer(index)

    def records(self) -> list[VisitRecord]:
        """Every visit, ordered by last action time then id (Matomo's order, ascending)."""
        with self._lock:
            if self._records is None:
                self._records = self._build()
            return self._records

    def detail(self, record: VisitRecord) -> VisitDetail:
        buyer = self.buyer(record.buyer_index)
        return self.builder.detail(buyer, buyer.touches[record.touch_seq])

    def _build(self) -> list[VisitRecord]:
        records = []
        for buyer in self.world.iter_buyers():
            revenue = {p.seq: revenue_usd(p) for p in buyer.purchases if p.kind == "ecommerce"}
            for touch in buyer.touches:
                if not touch.is_web:
                    continue
                detail = self.builder.detail(buyer, touch)
                orders = [c for c in detail.conversions if c.kind == "order"]
                records.append(
                    VisitRecord(
                        id_visit=detail.id_visit,
                        buyer_index=buyer.index,
                        touch_seq=touch.seq,
                        first_at=detail.first_at,
                        last_at=detail.last_at,
                        pageviews=len(detail.pages),
                        engagement_s=detail.engagement_s,
                        key_events=len(detail.conversions),
                        orders=len(orders),
                        revenue_cents=sum(
                            int(revenue[c.purchase_seq] * 100) for c in orders if c.purchase_seq in revenue
                        ),
                    )
                )
        records.sort(key=lambda r: (r.last_at, r.id_visit))
        return records
