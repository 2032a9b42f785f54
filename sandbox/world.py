"""The synthetic world: buyers moving from awareness to advocacy over many touches, generated from a seed.

Every buyer is a pure function of ``(seed, buyer index)``: :func:`generate_buyer` draws from random streams
that are seeded from that pair and a stream name, never from global state. So a buyer can be produced on its
own, in any order, in any process, and the world can be streamed (:meth:`World.iter_buyers`) instead of held
in memory. Each aspect of a buyer has its own stream (``identity``, ``exposure``, ``conversion``, ``crm``,
``sales``, ``retention``, ``web``), and each vendor projection draws its noise from its own stream too
(:meth:`World.rng`), so adding a vendor or an attribute later does not reshuffle the others.

A buyer's journey:

1. **Exposures** (stream ``exposure``): a first touch on one of nine channels (by :data:`CHANNEL_MODEL` share;
   an email first touch is a click on a campaign from the send calendar, an event first touch a badge scan on an
   event's day), then more web visits (their number grows with the buyer's intent; gaps are gamma-distributed,
   about 3.5 days), event scans while the buyer is active, a newsletter subscription on some visit, and clicks on
   the campaigns sent after subscribing. This is the sequence of touches the buyer would have if they never
   bought.
2. **Conversion** (stream ``conversion``): the two-stage hazard model of :mod:`sandbox.conversion` decides
   where along that sequence the buyer starts considering and where they decide to buy. A consumer orders in
   the web shop during the deciding visit (or, decided at an event, in a direct visit within two days); a
   business buyer's deal closes after a sales cycle (about three weeks). What would land after the world's end
   has not happened yet. Touches after the purchase are replaced by the customer's own (stream ``retention``):
   repeat orders or expansion deals, account visits, email clicks, and perhaps a recommendation (advocacy).
3. **CRM** (streams ``crm``, ``sales``): the contact is created when the buyer first subscribes, fills a form
   (most considering buyers do; business buyers who buy always do) or is imported from an event's lead list;
   marketing and sales qualify leads; business buyers' opportunities become HubSpot deals, as before.
4. **Web identity** (stream ``web``): one to three devices, each with its own analytics cookie (Matomo visitor
   id); an account (user id) for buyers who sign up, set on visits where they are logged in; click ids in the
   landing URLs of ad clicks (gclid for Google paid search and display, fbclid for Facebook and Instagram) and
   the Mailchimp member id on email clicks; a loyalty card for some consumers.

5. **Referrals** (stream ``referral``): every advocate has a referral code. A buyer whose first touch is a
   referral visit may have come through one: a few candidate buyers are drawn from the buyer's own stream, and the
   first who had advocated before that first touch is the referrer (``referred_by``, ``referred_by_code``). The
   step only adds to a buyer; it changes no other draw.

Every instant is an ``int`` of epoch milliseconds (UTC), whole seconds for touches and what happens in them;
every event lies in ``[start_ms, end_ms)``.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sandbox import identifiers as ids
from sandbox import schedule
from sandbox import vocabulary as vocab
from sandbox.conversion import CHANNEL_MODEL, CHANNELS, INTENT_SHAPE, WEB_CHANNELS, ChannelModel, Exposure, realised
from sandbox.timefmt import MS_PER_DAY, MS_PER_HOUR, to_ms

__all__ = [
    "CHANNELS",
    "CHANNEL_MODEL",
    "STAGES",
    "WEB_CHANNELS",
    "Buyer",
    "ChannelModel",
    "CrmFacts",
    "Device",
    "Moment",
    "Opportunity",
    "Purchase",
    "Touch",
    "World",
    "WorldConfig",
    "generate_buyer",
    "normalise_email",
    "summarise",
]

STAGES: tuple[str, ...] = ("awareness", "consideration", "purchase", "retention", "advocacy")

# The steps of a B2B sale, in order; an opportunity ends "won" or "lost", or is open at the world's end.
SALES_STEPS: tuple[str, ...] = ("appointment", "qualified", "presentation", "decision", "contract")

MS_PER_SECOND = 1000
MS_PER_MINUTE = 60_000

B2B_SHARE = 0.45  # buyers who buy for a company, through a sales opportunity (a CRM deal)
EUR_SHARE = 0.20  # buyers billed in EUR; the rest in USD
P_RETAIN = 0.55  # P(buys again | bought)
P_ADVOCATE = 0.35  # P(recommends | bought again)
MAX_REPEATS = 3
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: codes are read aloud and typed
# Buyers looked at as the possible referrer of a buyer who arrived through a referral (stream ``referral``).
REFERRAL_CANDIDATES = 6

WEB_VISITS_PER_INTENT = 6.0  # mean number of web visits after the first touch, for intent 1
VISIT_GAP_DAYS = 3.5  # mean gap between web visits (gamma, shape 0.8) before buying
ACTIVE_DAYS_AFTER_LAST_VISIT = 10  # the buyer still clicks emails and comes to events this long after
P_EVENT_ATTENDANCE = {True: 0.10, False: 0.02}  # per event while active, business / consumer buyers
P_SUBSCRIBE_PER_VISIT = 0.025  # newsletter sign-up on a web visit
P_SUBSCRIBE_AT_EVENT = 0.30  # opted in to the newsletter on the event's badge scan
P_EMAIL_CLICK = 0.12  # per campaign received while active, times intent (capped at 0.5)
P_EMAIL_CLICK_CUSTOMER = 0.10  # per campaign received after buying
CUSTOMER_VISIT_GAP_DAYS = 12  # mean gap between a customer's own visits (account, docs)
B2B_SALES_CYCLE_DAYS = 21  # mean time from the decision to the closed-won deal

P_KNOWN_IF_CONSIDERED = 0.80  # fills a form when considering
P_EVENT_LEADS_IMPORTED = 0.80  # the event's scanned badges are imported into the CRM
P_MQL = 0.70  # marketing qualifies a lead
P_LOST_OPPORTUNITY = 0.55  # a considering B2B buyer who will not buy still gets a sales opportunity

P_SIGNUP_CONSIDERING = {True: 0.25, False: 0.15}  # creates an account (trial, saved cart) while considering
P_SIGNUP_BUYING = {True: 0.80, False: 0.75}  # ... at the first order (consumers) or onboarding (businesses)
P_LOGIN_KNOWN_DEVICE = 0.90  # a visit on a device where the buyer logged in before carries the user id
P_LOGIN_NEW_DEVICE = 0.30  # a signed-up buyer logs in on another device during a visit
P_LOYALTY = 0.40  # a consumer who bought joins the loyalty programme

_FIRST_SHARES = [CHANNEL_MODEL[c].share for c in CHANNELS]
_POST_PURCHASE_CHANNELS = ("direct", "organic_search", "paid_search", "organic_social")
_POST_PURCHASE_WEIGHTS = (0.55, 0.25, 0.10, 0.10)
_REPEAT_ORDER_CHANNELS = ("direct", "organic_search", "paid_search")
_REPEAT_ORDER_WEIGHTS = (0.70, 0.20, 0.10)


@dataclass(frozen=True, slots=True)
class WorldConfig:
    seed: int = 42
    buyers: int = 2000
    start: date = date(2026, 7, 1)
    days: int = 120

    _start_ms: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.buyers < 0:
            raise ValueError(f"buyers must be >= 0, got {self.buyers}")
        if self.days < 1:
            raise ValueError(f"days must be >= 1, got {self.days}")
        object.__setattr__(self, "_start_ms", to_ms(self.start))  # read for every buyer: computed once

    @property
    def start_ms(self) -> int:
        return self._start_ms

    @property
    def end_ms(self) -> int:
        """The world's end: midnight UTC after its last day. Nothing happens at or after it."""
        return self._start_ms + self.days * MS_PER_DAY

    @property
    def email_sends(self) -> tuple[schedule.EmailSend, ...]:
        return schedule.email_sends(self.seed, self.start, self.days)

    @property
    def events(self) -> tuple[schedule.Event, ...]:
        return schedule.events(self.seed, self.start, self.days)


@dataclass(frozen=True, slots=True)
class Device:
    """A browser on a device: one analytics cookie (the Matomo visitor id before any login)."""

    visitor_id: str
    kind: str  # "desktop", "smartphone" or "tablet"
    profile: int  # index into vocabulary.DEVICE_PROFILES[kind]


@dataclass(frozen=True, slots=True)
class Moment:
    """Something the buyer did during a touch: subscribed, filled a form, signed up, ordered."""

    kind: str  # "subscribe", "form", "signup" or "order"
    at: int
    purchase_seq: int | None = None  # for "order": the purchase placed


@dataclass(frozen=True, slots=True)
class Touch:
    """One interaction of a buyer with the brand, with what the systems that saw it could know."""

    channel: str
    at: int
    campaign: str | None  # the campaign name, for paid and managed channels (the event, for event scans)
    source: str | None  # search engine, social network, referring domain, "mailchimp", or the event
    term: str | None  # the search term typed, when there was one
    landing_page: str
    seq: int = 0  # position among the buyer's touches, in time order
    kind: str = "visit"  # "visit" (a web visit) or "event" (a badge scan at an offline event)
    stage: str = "awareness"  # the buyer's stage during the touch
    device: int | None = None  # index into Buyer.devices (web visits only)
    logged_in: bool = False  # the visit carries the buyer's user id
    email_send: int | None = None  # schedule.EmailSend.seq of the clicked campaign
    event: int | None = None  # schedule.Event.seq of the event
    gclid: str | None = None
    fbclid: str | None = None
    moments: tuple[Moment, ...] = ()

    @property
    def is_web(self) -> bool:
        return self.kind == "visit"


@dataclass(frozen=True, slots=True)
class CrmFacts:
    """When and how the company's CRM learnt of a buyer, and how marketing and sales qualified them."""

    known_at: int
    known_via: str  # "form", "newsletter" or "event"
    lead_at: int | None  # when they asked for something (form fill, event scan); None for subscribers only
    mql_at: int | None
    sql_at: int | None


@dataclass(frozen=True, slots=True)
class Opportunity:
    """A B2B sale: opened, moved through sales steps, then won, lost, or still open at the world's end."""

    seq: int  # 0-based, per buyer, in opening order
    name: str
    opened_at: int
    steps: tuple[tuple[str, int], ...]  # (sales step, when reached), in order; ends in ("won"|"lost", at) if closed
    outcome: str  # "won", "lost" or "open"
    closed_at: int | None
    expected_close_at: int  # the forecast the seller put in when opening it
    amount: Decimal
    currency: str
    is_repeat: bool


@dataclass(frozen=True, slots=True)
class Purchase:
    seq: int  # 0-based, per buyer, in time order
    at: int
    amount: Decimal
    currency: str
    kind: str  # "deal" (a won B2B opportunity) or "ecommerce" (a web-shop order)
    opportunity_seq: int | None
    is_repeat: bool
    touch_seq: int | None = None  # the web visit the order was placed in (ecommerce)


@dataclass(frozen=True, slots=True)
class Buyer:
    index: int
    buyer_id: str
    first_name: str
    last_name: str
    email_typed: str  # as the buyer typed it: case and surrounding white space vary
    company: str | None
    is_b2b: bool
    currency: str
    touches: tuple[Touch, ...]  # every touch that happened, in time order
    considered_at: int | None
    decided_at: int | None  # when they decided to buy (the purchase lands later, maybe after the world's end)
    retained_at: int | None
    advocated_at: int | None
    crm: CrmFacts | None
    opportunities: tuple[Opportunity, ...]
    purchases: tuple[Purchase, ...]
    intent: float
    exposures: tuple[Exposure, ...]  # the conversion model's view: touches the buyer would have had, not buying
    devices: tuple[Device, ...]
    location: int  # index into vocabulary.LOCATIONS_USD or LOCATIONS_EUR (by currency)
    subscribed_at: int | None  # newsletter subscription (Mailchimp list member from then on)
    mc_eid: str | None  # Mailchimp unique_email_id, for subscribers
    user_id: str | None  # web account id, once signed up
    signed_up_at: int | None
    loyalty_id: str | None
    referral_code: str | None = None  # an advocate's own code to share (every advocate has one)
    referred_by: str | None = None  # the buyer id of the advocate who referred this buyer
    referred_by_code: str | None = None  # ... and the code they came with (the referrer's ``referral_code``)

    @property
    def email(self) -> str:
        """The normalised email: trimmed and lower-cased."""
        return normalise_email(self.email_typed)

    @property
    def first_touch(self) -> Touch:
        return self.touches[0]

    @property
    def awareness_at(self) -> int:
        return self.first_touch.at

    @property
    def first_purchase_at(self) -> int | None:
        return self.purchases[0].at if self.purchases else None

    @property
    def furthest_stage(self) -> str:
        reached = (
            self.awareness_at,
            self.considered_at,
            self.first_purchase_at,
            self.retained_at,
            self.advocated_at,
        )
        return next(stage for stage, at in zip(STAGES[::-1], reached[::-1], strict=True) if at is not None)

    @property
    def touches_before_first_purchase(self) -> int | None:
        """Touches that started before the first purchase (the visit the order was placed in included)."""
        first = self.first_purchase_at
        return None if first is None else sum(1 for t in self.touches if t.at < first)

    def visitor_id(self, touch: Touch, userid_overwrites_visitorid: bool = False) -> str | None:
        """The Matomo visitor id a web visit was recorded under: the device's cookie id, or, when Matomo's
        ``enable_userid_overwrites_visitorid`` is on (Matomo's shipped default, not the setting we recommend) and
        the visit is logged in, the one Matomo derives from the user id."""
        if touch.device is None:
            return None
        if userid_overwrites_visitorid and touch.logged_in and self.user_id is not None:
            return ids.visitor_id_for_user(self.user_id)
        return self.devices[touch.device].visitor_id


def normalise_email(email: str) -> str:
    return email.strip().lower()


def referral_code(seed: int, index: int) -> str:
    """An advocate's referral code: ``REF-`` and 8 base-32 characters (40 bits), from the same bijective
    scramble of the buyer index as the other ids, so no two buyers share one."""
    value = ids._scramble(index, seed, "referral", 40)  # noqa: SLF001 - the ids module's one scramble, reused
    return "REF-" + "".join(_CODE_ALPHABET[(value >> shift) & 31] for shift in range(35, -1, -5))


def stream_seed(seed: int, index: int, stream: str) -> int:
    """A 64-bit seed for one named random stream of one buyer, stable across Python versions and processes."""
    digest = hashlib.blake2b(f"{seed}/{index}/{stream}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


class World:
    """A seeded world of buyers.

    ``World.generate(...)`` materialises every buyer (fine for demo sizes); ``World(config)`` generates
    buyers on demand, so ``iter_buyers()`` streams any number of them in bounded memory.
    """

    def __init__(self, config: WorldConfig, buyers: Sequence[Buyer] | None = None) -> None:
        self.config = config
        self._buyers = tuple(buyers) if buyers is not None else None

    @classmethod
    def generate(cls, seed: int = 42, buyers: int = 2000, start: date = date(2026, 7, 1), days: int = 120) -> World:
        config = WorldConfig(seed=seed, buyers=buyers, start=start, days=days)
        return cls(config, [generate_buyer(config, index) for index in range(buyers)])

    @property
    def seed(self) -> int:
        return self.config.seed

    @property
    def start_ms(self) -> int:
        return self.config.start_ms

    @property
    def end_ms(self) -> int:
        return self.config.end_ms

    @property
    def start_date(self) -> date:
        """The world's first day (UTC)."""
        return self.config.start

    @property
    def end_date(self) -> date:
        """The day the world ends, exclusive: midnight UTC of this date is ``end_ms``; the last day is the one
        before. (So a daily run for the interval ending ``end_date`` covers the world's last day.)"""
        return self.config.start + timedelta(days=self.config.days)

    def __len__(self) -> int:
        return self.config.buyers

    def buyer(self, index: int) -> Buyer:
        if not 0 <= index < self.config.buyers:
            raise IndexError(f"buyer index {index} outside 0..{self.config.buyers - 1}")
        if self._buyers is not None:
            return self._buyers[index]
        return generate_buyer(self.config, index)

    def iter_buyers(self) -> Iterator[Buyer]:
        if self._buyers is not None:
            yield from self._buyers
        else:
            for index in range(self.config.buyers):
                yield generate_buyer(self.config, index)

    def write_truth(self, out_dir: str | Path, workers: int = 1) -> list[Path]:
        """Write the ground truth CSV files (see :mod:`sandbox.truth`) and return their paths."""
        from sandbox.truth import write_truth  # the truth names vendor ids, so it imports vendor modules

        return write_truth(self, out_dir, workers=workers)

    def rng(self, index: int, stream: str) -> random.Random:
        """The random stream ``stream`` of buyer ``index`` (vendors draw their own noise from here)."""
        return random.Random(stream_seed(self.config.seed, index, stream))


# ----------------------------------------------------------------------------------------------------
# Generation
# ----------------------------------------------------------------------------------------------------


class _Draw:
    """Typed helpers over one random stream, with durations in milliseconds."""

    def __init__(self, seed: int, index: int, stream: str) -> None:
        self.rng = random.Random(stream_seed(seed, index, stream))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def index(self, count: int) -> int:
        """A uniform index in [0, count) (one draw; cheaper than randrange, which matters at a million buyers)."""
        return int(self.rng.random() * count)

    def pick(self, options: Sequence[str]) -> str:
        return options[self.index(len(options))]

    def weighted_index(self, weights: Sequence[float]) -> int:
        target, total = self.rng.random() * sum(weights), 0.0
        for position, weight in enumerate(weights):
            total += weight
            if target < total:
                return position
        return len(weights) - 1

    def weighted(self, options: Sequence[str], weights: Sequence[float]) -> str:
        return options[self.weighted_index(weights)]

    def days(self, mean: float, shape: float = 1.0) -> int:
        """A gamma-distributed duration in ms with the given mean in days (shape 1: exponential)."""
        return int(self.rng.gammavariate(shape, mean / shape) * MS_PER_DAY)

    def between(self, low: int, high: int) -> int:
        return low if high <= low else low + int(self.rng.random() * (high - low))

    def seconds(self, low: int, high: int) -> int:
        """A whole number of seconds in [low, high), in ms."""
        return self.between(low, high) * MS_PER_SECOND

    def fraction(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high)

    def poisson(self, mean: float) -> int:
        limit, count, product = math.exp(-mean), 0, self.rng.random()
        while product > limit:
            count += 1
            product *= self.rng.random()
        return count


def _whole_seconds(ms: int) -> int:
    return ms - ms % MS_PER_SECOND


@dataclass(slots=True)
class _Draft:
    """A touch while the buyer is being generated (mutable; frozen into a Touch at the end)."""

    channel: str
    at: int
    kind: str = "visit"
    campaign: str | None = None
    source: str | None = None
    term: str | None = None
    landing_page: str = "/"
    email_send: int | None = None
    event: int | None = None
    subscribes: bool = False
    moments: list[Moment] = field(default_factory=list)
    device: int | None = None
    logged_in: bool = False


@dataclass(slots=True)
class _Plan:
    intent: float
    drafts: list[_Draft]
    subscribed_at: int | None  # the planned subscription (realised if its touch happens)
    subscribed_before_first_touch: bool


def generate_buyer(config: WorldConfig, index: int) -> Buyer:
    """Buyer ``index`` of the world ``config``: a pure function of the two."""
    buyer = _generate_without_referral(config, index)
    if buyer.first_touch.channel != "referral":
        return buyer
    referrer = _referrer(config, index, buyer.first_touch.at)
    if referrer is None:
        return buyer
    return replace(buyer, referred_by=f"buyer-{referrer:07d}", referred_by_code=referral_code(config.seed, referrer))


def _referrer(config: WorldConfig, index: int, first_touch_at: int) -> int | None:
    """The index of the advocate who referred a buyer whose first touch is a referral visit, or None (a plain
    referral link).

    Candidates are a few buyer indices drawn from the buyer's own stream ``referral``; the first of them who had
    advocated before the buyer's first touch is the referrer. Candidates are looked at without this step, so
    being a referrer does not depend on having been referred (no recursion), and every buyer stays a pure
    function of (seed, index).
    """
    draw = _Draw(config.seed, index, "referral")
    for _ in range(REFERRAL_CANDIDATES):
        candidate = draw.index(config.buyers)
        if candidate != index and _advocated_before(config, candidate, first_touch_at):
            return candidate
    return None


def _advocated_before(config: WorldConfig, index: int, moment: int) -> bool:
    """Whether ``_generate_without_referral(config, index).advocated_at < moment``, without generating the buyer.

    Why: a referral-channel buyer looks at up to :data:`REFERRAL_CANDIDATES` candidates, and few of them ever
    advocated (about 1 in 70), so generating each candidate whole made a world some 45% slower to generate. Whether
    a buyer advocated depends only on the streams ``identity`` (business or consumer), ``exposure`` (the plan),
    ``conversion`` (the decision) and ``retention`` (the repeat purchase and the recommendation): this draws those
    in the same order as :func:`_generate_without_referral` and stops as soon as the answer is known. Every
    purchase comes after the buyer's first touch and the recommendation after the second purchase, so a candidate
    whose first touch or first purchase is not before ``moment`` is ruled out early. Kept in step with
    :func:`_generate_without_referral` by tests/sandbox/test_sandbox_referral_shortcut.py.
    """
    seed, end = config.seed, config.end_ms
    identity = _Draw(seed, index, "identity")
    identity.pick(vocab.FIRST_NAMES)  # the name's draws come first in the stream
    identity.pick(vocab.LAST_NAMES)
    is_b2b = identity.chance(B2B_SHARE)
    plan = _plan_exposures(_Draw(seed, index, "exposure"), config, is_b2b)
    if plan.drafts[0].at >= moment:
        return False
    conversion = _Draw(seed, index, "conversion")
    sales_cycle = _whole_seconds(2 * MS_PER_DAY + conversion.days(B2B_SALES_CYCLE_DAYS - 2, shape=2.0))
    exposures, draws = [], []
    for draft in plan.drafts:
        u_consider, u_convert, u_lag = conversion.rng.random(), conversion.rng.random(), conversion.rng.random()
        if is_b2b:
            lands = draft.at + sales_cycle
        elif draft.kind == "visit":
            lands = draft.at + (120 + int(u_lag * 1080)) * MS_PER_SECOND
        else:
            lands = _whole_seconds(draft.at + MS_PER_HOUR + int(u_lag * 47 * MS_PER_HOUR)) + 300 * MS_PER_SECOND
        exposures.append(Exposure(draft.channel, draft.at, lands))
        draws.append((u_consider, u_convert))
    _, decided_index = realised(exposures, plan.intent, draws)
    if decided_index is None or exposures[decided_index].lands_at >= min(end, moment):
        return False
    retention = _Draw(seed, index, "retention")
    purchase_times = _purchase_times(retention, exposures[decided_index].lands_at, is_b2b, end)
    if len(purchase_times) < 2 or not retention.chance(P_ADVOCATE):
        return False
    advocated_at = _within(_whole_seconds(purchase_times[1] + retention.days(14)), end)
    return advocated_at is not None and advocated_at < moment


def _generate_without_referral(config: WorldConfig, index: int) -> Buyer:
    seed, end = config.seed, config.end_ms
    identity = _Draw(seed, index, "identity")
    first, last = identity.pick(vocab.FIRST_NAMES), identity.pick(vocab.LAST_NAMES)
    is_b2b = identity.chance(B2B_SHARE)
    company = f"{identity.pick(vocab.COMPANY_PREFIXES)} {identity.pick(vocab.COMPANY_SUFFIXES)}" if is_b2b else None
    currency = "EUR" if identity.chance(EUR_SHARE) else "USD"
    email_typed = _typed_email(identity, index, first, last, company)

    plan = _plan_exposures(_Draw(seed, index, "exposure"), config, is_b2b)

    # -- the conversion model decides where along the exposures the buyer considers and decides --------------
    conversion = _Draw(seed, index, "conversion")
    sales_cycle = _whole_seconds(2 * MS_PER_DAY + conversion.days(B2B_SALES_CYCLE_DAYS - 2, shape=2.0))
    exposures, draws, order_visits = [], [], []
    for draft in plan.drafts:
        u_consider, u_convert, u_lag = conversion.rng.random(), conversion.rng.random(), conversion.rng.random()
        if is_b2b:
            lands, order_visit = draft.at + sales_cycle, None
        elif draft.kind == "visit":
            lands, order_visit = draft.at + (120 + int(u_lag * 1080)) * MS_PER_SECOND, None
        else:  # decided at an event: orders in the web shop within two days
            order_visit = _whole_seconds(draft.at + MS_PER_HOUR + int(u_lag * 47 * MS_PER_HOUR))
            lands = order_visit + 300 * MS_PER_SECOND
        exposures.append(Exposure(draft.channel, draft.at, lands))
        draws.append((u_consider, u_convert))
        order_visits.append(order_visit)
    considered_index, decided_index = realised(exposures, plan.intent, draws)
    considered_at = plan.drafts[considered_index].at if considered_index is not None else None
    decided_at = plan.drafts[decided_index].at if decided_index is not None else None
    planned_purchase_at = exposures[decided_index].lands_at if decided_index is not None else None
    first_purchase_at = planned_purchase_at if planned_purchase_at is not None and planned_purchase_at < end else None

    # -- what happened before the purchase ------------------------------------------------------------------
    drafts = plan.drafts
    if decided_index is not None:
        assert planned_purchase_at is not None
        deciding = drafts[decided_index]
        kept = drafts[: decided_index + 1]
        if is_b2b:
            kept += [d for d in drafts[decided_index + 1 :] if d.at < planned_purchase_at]
        elif first_purchase_at is not None and deciding.kind == "visit":
            deciding.moments.append(Moment("order", first_purchase_at, 0))
        elif deciding.kind == "event":
            order_visit = order_visits[decided_index]
            assert order_visit is not None
            if order_visit < end:
                visit = _Draft("direct", order_visit, landing_page="/shop")
                if first_purchase_at is not None:
                    visit.moments.append(Moment("order", first_purchase_at, 0))
                kept.append(visit)
        drafts = kept
    subscribed_at = plan.subscribed_at
    if subscribed_at is not None and not plan.subscribed_before_first_touch:
        subscribing = next((d for d in drafts if d.subscribes), None)
        if subscribing is None:
            subscribed_at = None
        elif subscribing.kind == "visit":
            subscribing.moments.append(Moment("subscribe", subscribed_at))
    if subscribed_at is not None and subscribed_at >= end:
        subscribed_at = None

    # -- the customer's own touches -------------------------------------------------------------------------
    retention = _Draw(seed, index, "retention")
    purchase_times: tuple[int, ...] = ()
    retained_at = advocated_at = None
    if first_purchase_at is not None:
        purchase_times = _purchase_times(retention, first_purchase_at, is_b2b, end)
        retained_at = purchase_times[1] if len(purchase_times) > 1 else None
        if retained_at is not None and retention.chance(P_ADVOCATE):
            advocated_at = _within(_whole_seconds(retained_at + retention.days(14)), end)
        drafts = drafts + _customer_touches(retention, config, is_b2b, purchase_times, subscribed_at)

    # -- the CRM ------------------------------------------------------------------------------------------------
    crm_draw = _Draw(seed, index, "crm")
    considering_touch = plan.drafts[considered_index] if considered_index is not None else None
    crm = _crm_facts(
        crm_draw, config, drafts, considering_touch, subscribed_at, must_know=is_b2b and decided_index is not None
    )

    sales = _Draw(seed, index, "sales")
    opportunities: tuple[Opportunity, ...] = ()
    if is_b2b and crm is not None and crm.lead_at is not None:
        assert company is not None
        opportunities = _opportunities(sales, company, currency, crm.lead_at, planned_purchase_at, purchase_times, end)
        crm = _with_sales_qualification(crm_draw, crm, opportunities)

    # -- devices, accounts, logins -------------------------------------------------------------------------------
    web = _Draw(seed, index, "web")
    devices = _devices(web, seed, index, is_b2b)
    location = web.index(len(vocab.LOCATIONS_EUR if currency == "EUR" else vocab.LOCATIONS_USD))
    drafts.sort(key=lambda d: d.at)
    signed_up_at = _sign_up(web, is_b2b, drafts, considering_touch, first_purchase_at)
    _assign_devices(web, drafts, devices, signed_up_at)
    loyalty_id = None
    if not is_b2b and first_purchase_at is not None and web.chance(P_LOYALTY):
        loyalty_id = ids.loyalty_id(seed, index)

    touches = tuple(
        _freeze(seed, index, seq, d, considered_at, decided_at, first_purchase_at, advocated_at)
        for seq, d in enumerate(drafts)
    )
    order_touch = {
        m.purchase_seq: t.seq for t in touches for m in t.moments if m.kind == "order" and m.purchase_seq is not None
    }
    purchases = _purchases(sales, is_b2b, currency, purchase_times, opportunities, order_touch)
    return Buyer(
        index=index,
        buyer_id=f"buyer-{index:07d}",
        first_name=first,
        last_name=last,
        email_typed=email_typed,
        company=company,
        is_b2b=is_b2b,
        currency=currency,
        touches=touches,
        considered_at=considered_at,
        decided_at=decided_at,
        retained_at=retained_at,
        advocated_at=advocated_at,
        crm=crm,
        opportunities=opportunities,
        purchases=purchases,
        intent=plan.intent,
        exposures=tuple(exposures),
        devices=devices,
        location=location,
        subscribed_at=subscribed_at,
        mc_eid=ids.mailchimp_member_id(seed, index) if subscribed_at is not None else None,
        user_id=ids.user_id(seed, index) if signed_up_at is not None else None,
        signed_up_at=signed_up_at,
        loyalty_id=loyalty_id,
        referral_code=referral_code(seed, index) if advocated_at is not None else None,
    )


def _within(at: int, end: int) -> int | None:
    return at if at < end else None


def _typed_email(draw: _Draw, index: int, first: str, last: str, company: str | None) -> str:
    # The index after a separator keeps every address unique: names hold no digits.
    local = draw.pick((f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last[0]}"))
    local = f"{local}.{index}"
    domain = (company.lower().replace(" ", "") + ".example") if company else draw.pick(vocab.CONSUMER_EMAIL_DOMAINS)
    email = f"{local}@{domain}"
    style = draw.rng.random()
    if style < 0.85:
        email = email.lower()
    elif style < 0.88:
        email = email.upper()
    # else: as capitalised by the name lists (e.g. Ana.Lee.12@gmail.example)
    padding = draw.rng.random()
    if padding < 0.04:
        email = f" {email}"
    elif padding < 0.08:
        email = f"{email}  "
    return email


# -- exposures ---------------------------------------------------------------------------------------------------


def _plan_exposures(draw: _Draw, config: WorldConfig, is_b2b: bool) -> _Plan:
    """The touches the buyer would have if they never bought, in time order (all before the world's end)."""
    start, end = config.start_ms, config.end_ms
    sends, events = config.email_sends, config.events
    intent = draw.rng.gammavariate(INTENT_SHAPE, 1 / INTENT_SHAPE)
    first = draw.weighted(CHANNELS, _FIRST_SHARES)
    if first == "email" and not sends:
        first = "direct"
    subscribed_at = None
    if first == "email":
        send = sends[draw.index(len(sends))]
        t0 = _whole_seconds(min(send.at + _click_delay(draw), end - MS_PER_SECOND))
        # On the list before the first click (a colleague's forward, an earlier sign-up elsewhere).
        subscribed_at = _whole_seconds(t0 - draw.between(MS_PER_HOUR, 30 * MS_PER_DAY))
        subscribed_at = max(start, min(subscribed_at, t0))
        drafts = [_email_draft(draw, send, t0)]
    elif first == "offline_event":
        event = events[draw.index(len(events))]
        drafts = [_event_draft(event, _whole_seconds(draw.between(event.starts_at, event.ends_at)))]
    else:
        drafts = [_web_draft(draw, first, _whole_seconds(draw.between(start, end)), first_touch=True)]
    t0 = drafts[0].at

    at = t0
    for visit in range(draw.poisson(WEB_VISITS_PER_INTENT * intent)):
        at = _whole_seconds(at + 10 * MS_PER_MINUTE + draw.days(VISIT_GAP_DAYS, shape=0.8))
        if at >= end:
            break
        weights = [
            CHANNEL_MODEL[c].revisit * (3.0 if c == first else 1.0) + (0.03 * visit if c == "direct" else 0.0)
            for c in WEB_CHANNELS
        ]
        drafts.append(_web_draft(draw, draw.weighted(WEB_CHANNELS, weights), at, first_touch=False))
    active_until = drafts[-1].at + ACTIVE_DAYS_AFTER_LAST_VISIT * MS_PER_DAY
    if first == "email":
        active_until = max(active_until, t0 + 21 * MS_PER_DAY)
    active_until = min(active_until, end)

    for event in events:
        if t0 < event.starts_at < active_until and draw.chance(P_EVENT_ATTENDANCE[is_b2b]):
            drafts.append(_event_draft(event, _whole_seconds(draw.between(event.starts_at, event.ends_at))))
    drafts.sort(key=lambda d: d.at)

    if subscribed_at is None:
        for draft in drafts:
            if draft.kind == "visit" and draw.chance(P_SUBSCRIBE_PER_VISIT):
                subscribed_at = draft.at + draw.seconds(20, 300)
            elif draft.kind == "event" and draw.chance(P_SUBSCRIBE_AT_EVENT):
                subscribed_at = _whole_seconds(config.events[draft.event or 0].ends_at + MS_PER_DAY)
            if subscribed_at is not None:
                draft.subscribes = True
                break
        if subscribed_at is not None:
            clicks = min(0.5, P_EMAIL_CLICK * intent)
            drafts += _email_clicks(draw, sends, subscribed_at, active_until, clicks, skip=None)
    else:
        clicks = min(0.5, P_EMAIL_CLICK * intent)
        drafts += _email_clicks(draw, sends, subscribed_at, active_until, clicks, skip=drafts[0].email_send)
    drafts.sort(key=lambda d: d.at)
    return _Plan(intent, drafts, subscribed_at, subscribed_before_first_touch=first == "email")


def _click_delay(draw: _Draw) -> int:
    return min(int(draw.rng.expovariate(1 / (5 * MS_PER_HOUR))), 3 * MS_PER_DAY)


def _email_clicks(
    draw: _Draw,
    sends: Sequence[schedule.EmailSend],
    subscribed_at: int,
    until: int,
    p_click: float,
    skip: int | None,
) -> list[_Draft]:
    clicks = []
    for send in sends:
        if send.seq == skip or not subscribed_at < send.at < until:
            continue
        if draw.chance(p_click):
            at = _whole_seconds(send.at + _click_delay(draw))
            if at < until:
                clicks.append(_email_draft(draw, send, at))
    return clicks


def _email_draft(draw: _Draw, send: schedule.EmailSend, at: int) -> _Draft:
    landing = (
        "/webinar"
        if send.kind == "webinar"
        else draw.pick(("/blog/seven-touches", "/blog/roi-by-channel", "/product/journeys", "/pricing"))
    )
    return _Draft("email", at, campaign=send.name, source="mailchimp", landing_page=landing, email_send=send.seq)


def _event_draft(event: schedule.Event, at: int) -> _Draft:
    return _Draft(
        "offline_event", at, kind="event", campaign=event.name, source=event.name, landing_page="", event=event.seq
    )


def _web_draft(draw: _Draw, channel: str, at: int, *, first_touch: bool) -> _Draft:
    campaign = None
    if channel in vocab.CAMPAIGNS:
        options = vocab.CAMPAIGNS[channel]
        if first_touch:  # nobody is retargeted before their first visit
            options = tuple(c for c in options if "Retargeting" not in c)
        campaign = draw.pick(options)
    source = term = None
    if channel in ("paid_search", "organic_search"):
        source = draw.pick(vocab.SEARCH_ENGINES) if channel == "organic_search" else "google"
        # Search engines hide most organic search terms; ads report the keyword.
        term = draw.pick(vocab.SEARCH_TERMS) if channel == "paid_search" or draw.chance(0.25) else None
    elif channel == "paid_social":
        source = draw.pick(vocab.PAID_SOCIAL_NETWORKS)
    elif channel == "organic_social":
        source = draw.pick(vocab.SOCIAL_NETWORKS)
    elif channel == "referral":
        source = draw.pick(vocab.REFERRER_DOMAINS)
    elif channel == "display":
        source = "google_display"
    return _Draft(channel, at, campaign=campaign, source=source, term=term, landing_page=draw.pick(vocab.LANDING_PAGES))


# -- after the purchase -----------------------------------------------------------------------------------------


def _purchase_times(draw: _Draw, first_at: int | None, is_b2b: bool, end: int) -> tuple[int, ...]:
    if first_at is None or first_at >= end:
        return ()
    times = [first_at]
    if draw.chance(P_RETAIN):
        repeats = draw.weighted(("1", "2", "3"), (0.6, 0.3, 0.1))
        for _ in range(int(repeats)):
            following = _whole_seconds(times[-1] + MS_PER_DAY + draw.days(35 if is_b2b else 30, shape=1.5))
            if following >= end:
                break
            times.append(following)
    return tuple(times)


def _customer_touches(
    draw: _Draw, config: WorldConfig, is_b2b: bool, purchase_times: tuple[int, ...], subscribed_at: int | None
) -> list[_Draft]:
    """A customer's own visits (account, docs), repeat orders (consumers) and email clicks after buying."""
    end, first = config.end_ms, purchase_times[0]
    touches = []
    at = first
    while len(touches) < 40:
        at = _whole_seconds(at + MS_PER_HOUR + draw.days(CUSTOMER_VISIT_GAP_DAYS))
        if at >= end:
            break
        channel = draw.weighted(_POST_PURCHASE_CHANNELS, _POST_PURCHASE_WEIGHTS)
        touch = _web_draft(draw, channel, at, first_touch=False)
        touch.landing_page = draw.pick(vocab.RETENTION_LANDING_PAGES) if channel == "direct" else touch.landing_page
        touches.append(touch)
    if not is_b2b:
        for seq, ordered_at in enumerate(purchase_times[1:], start=1):
            channel = draw.weighted(_REPEAT_ORDER_CHANNELS, _REPEAT_ORDER_WEIGHTS)
            visit = _web_draft(draw, channel, ordered_at - draw.seconds(120, 1200), first_touch=False)
            visit.landing_page = "/shop" if channel == "direct" else visit.landing_page
            visit.moments.append(Moment("order", ordered_at, seq))
            touches.append(visit)
    if subscribed_at is not None:
        touches += _email_clicks(draw, config.email_sends, max(first, subscribed_at), end, P_EMAIL_CLICK_CUSTOMER, None)
    return touches


# -- the CRM -----------------------------------------------------------------------------------------------------


def _crm_facts(
    draw: _Draw,
    config: WorldConfig,
    touches: Sequence[_Draft],
    considering: _Draft | None,
    subscribed_at: int | None,
    *,
    must_know: bool,
) -> CrmFacts | None:
    end = config.end_ms
    candidates: list[tuple[int, str]] = []
    if subscribed_at is not None:
        candidates.append((subscribed_at, "newsletter"))
    form_at = import_at = None
    if considering is not None and considering.kind == "visit" and (must_know or draw.chance(P_KNOWN_IF_CONSIDERED)):
        form_at = considering.at + draw.seconds(60, 600)
        if form_at < end:
            considering.moments.append(Moment("form", form_at))
            candidates.append((form_at, "form"))
        else:
            form_at = None
    for touch in sorted((t for t in touches if t.kind == "event"), key=lambda t: t.at):
        forced = must_know and touch is considering
        if draw.chance(P_EVENT_LEADS_IMPORTED) or forced:
            event = config.events[touch.event or 0]
            at = _whole_seconds(event.ends_at + draw.between(2 * MS_PER_HOUR, 36 * MS_PER_HOUR))
            if at < end and (import_at is None or at < import_at):
                import_at = at
    if import_at is not None:
        candidates.append((import_at, "event"))
    if not candidates:
        return None
    known_at, known_via = min(candidates)
    leads = [at for at in (form_at, import_at) if at is not None]
    lead_at = min(leads) if leads else None
    mql_at = None
    if lead_at is not None and draw.chance(P_MQL):
        mql_at = _within(lead_at + draw.days(2), end)
    return CrmFacts(known_at=known_at, known_via=known_via, lead_at=lead_at, mql_at=mql_at, sql_at=None)


def _with_sales_qualification(draw: _Draw, crm: CrmFacts, opportunities: tuple[Opportunity, ...]) -> CrmFacts:
    """Sales qualify a lead just before its first opportunity; marketing qualified it before."""
    if not opportunities:
        return crm
    assert crm.lead_at is not None
    opened = opportunities[0].opened_at
    sql_at = max(crm.lead_at, opened - draw.between(0, MS_PER_DAY))
    mql_at = (
        crm.mql_at if crm.mql_at is not None and crm.mql_at <= sql_at else crm.lead_at + (sql_at - crm.lead_at) // 2
    )
    return CrmFacts(known_at=crm.known_at, known_via=crm.known_via, lead_at=crm.lead_at, mql_at=mql_at, sql_at=sql_at)


def _opportunities(
    draw: _Draw,
    company: str,
    currency: str,
    lead_at: int,
    planned_purchase_at: int | None,
    purchase_times: tuple[int, ...],
    end: int,
) -> tuple[Opportunity, ...]:
    product = draw.pick(vocab.PRODUCTS)
    first_amount = _round_to(Decimal(int(draw.rng.lognormvariate(9.4, 0.6))), 50, minimum=1000)
    plans: list[tuple[int, int, bool, bool, Decimal, str]] = []  # opened, close, won, is_repeat, amount, name
    if planned_purchase_at is not None:
        opened = lead_at + int((planned_purchase_at - lead_at) * draw.fraction(0.15, 0.4))
        plans.append((opened, planned_purchase_at, True, False, first_amount, f"{company} - {product}"))
        for repeat_at in purchase_times[1:]:
            previous_close = plans[-1][1]
            opened = max(previous_close + (repeat_at - previous_close) // 2, repeat_at - draw.days(7, shape=2.0))
            amount = _round_to(first_amount * Decimal(str(round(draw.fraction(0.3, 0.9), 2))), 50, minimum=500)
            plans.append((opened, repeat_at, True, True, amount, f"{company} - Expansion {len(plans)}"))
    elif draw.chance(P_LOST_OPPORTUNITY):
        opened = lead_at + draw.days(4)
        plans.append((opened, opened + draw.days(18, shape=2.0), False, False, first_amount, f"{company} - {product}"))

    opportunities = []
    for seq, (opened, close, won, is_repeat, amount, name) in enumerate(plans):
        if opened >= end:
            break
        steps = _sales_steps(draw, opened, close, won, is_repeat)
        closed = close < end
        opportunities.append(
            Opportunity(
                seq=seq,
                name=name,
                opened_at=opened,
                steps=tuple(s for s in steps if s[1] < end),
                outcome=("won" if won else "lost") if closed else "open",
                closed_at=close if closed else None,
                expected_close_at=opened + 30 * MS_PER_DAY,
                amount=amount,
                currency=currency,
                is_repeat=is_repeat,
            )
        )
    return tuple(opportunities)


def _sales_steps(draw: _Draw, opened: int, close: int, won: bool, is_repeat: bool) -> list[tuple[str, int]]:
    middle = SALES_STEPS[1:]
    if is_repeat:
        reached = ["contract"]
    elif won:
        reached = [step for step in middle if draw.chance(0.75)]
    else:
        reached = list(middle[: draw.rng.randint(0, 3)])
    times = sorted(opened + int((close - opened) * draw.rng.random()) for _ in reached)
    return [("appointment", opened), *zip(reached, times, strict=True), ("won" if won else "lost", close)]


def _purchases(
    draw: _Draw,
    is_b2b: bool,
    currency: str,
    times: tuple[int, ...],
    opportunities: tuple[Opportunity, ...],
    order_touch: dict[int, int],
) -> tuple[Purchase, ...]:
    if is_b2b:
        won = [o for o in opportunities if o.outcome == "won"]
        return tuple(
            Purchase(
                seq=seq,
                at=o.closed_at,
                amount=o.amount,
                currency=o.currency,
                kind="deal",
                opportunity_seq=o.seq,
                is_repeat=o.is_repeat,
            )
            for seq, o in enumerate(won)
            if o.closed_at is not None
        )
    return tuple(
        Purchase(
            seq=seq,
            at=at,
            amount=Decimal(str(round(draw.rng.lognormvariate(4.8, 0.5), 2))),
            currency=currency,
            kind="ecommerce",
            opportunity_seq=None,
            is_repeat=seq > 0,
            touch_seq=order_touch.get(seq),
        )
        for seq, at in enumerate(times)
    )


def _round_to(amount: Decimal, step: int, minimum: int) -> Decimal:
    return max(Decimal(minimum), (amount / step).quantize(Decimal(1)) * step)


# -- devices, accounts ---------------------------------------------------------------------------------------------


def _devices(draw: _Draw, seed: int, index: int, is_b2b: bool) -> tuple[Device, ...]:
    count = int(draw.weighted(("1", "2", "3"), (0.45, 0.40, 0.15)))
    primary = "desktop" if draw.chance(0.75 if is_b2b else 0.45) else "smartphone"
    kinds = [primary, "smartphone" if primary == "desktop" else "desktop", "tablet"][:count]
    return tuple(
        Device(ids.visitor_id(seed, index, n), kind, draw.index(len(vocab.DEVICE_PROFILES[kind])))
        for n, kind in enumerate(kinds)
    )


_DEVICE_WEIGHTS = {1: (1.0,), 2: (0.65, 0.35), 3: (0.55, 0.30, 0.15)}


def _assign_devices(
    draw: _Draw, drafts: Sequence[_Draft], devices: tuple[Device, ...], signed_up_at: int | None
) -> None:
    """Pick each web visit's device, and whether the buyer was logged in (only after signing up)."""
    logged_in_devices: set[int] = set()
    for draft in drafts:
        if draft.kind != "visit":
            continue
        weights = list(_DEVICE_WEIGHTS[len(devices)])
        if draft.channel in ("paid_social", "organic_social", "email"):  # feeds and inboxes live on phones
            weights = [w * (2.0 if d.kind == "smartphone" else 1.0) for w, d in zip(weights, devices, strict=True)]
        draft.device = draw.weighted_index(weights)
        if signed_up_at is None:
            continue
        if any(m.kind == "signup" for m in draft.moments):
            draft.logged_in = True
            logged_in_devices.add(draft.device)
        elif draft.at > signed_up_at:
            known = draft.device in logged_in_devices
            draft.logged_in = draw.chance(P_LOGIN_KNOWN_DEVICE if known else P_LOGIN_NEW_DEVICE)
            if draft.logged_in:
                logged_in_devices.add(draft.device)


def _sign_up(
    draw: _Draw, is_b2b: bool, drafts: Sequence[_Draft], considering: _Draft | None, first_purchase_at: int | None
) -> int | None:
    """When the buyer created a web account (a ``signup`` moment in that visit), or None."""
    visit = None
    if considering is not None and considering.kind == "visit" and draw.chance(P_SIGNUP_CONSIDERING[is_b2b]):
        visit, at = considering, considering.at + draw.seconds(60, 900)
    elif first_purchase_at is not None and draw.chance(P_SIGNUP_BUYING[is_b2b]):
        if is_b2b:  # onboarding: the first visit after the deal closed
            visit = next((d for d in drafts if d.kind == "visit" and d.at > first_purchase_at), None)
            at = visit.at + draw.seconds(30, 300) if visit is not None else 0
        else:  # the account is created at checkout, just before the order
            visit = next(d for d in drafts if any(m.kind == "order" and m.purchase_seq == 0 for m in d.moments))
            at = max(visit.at + MS_PER_SECOND, first_purchase_at - draw.seconds(30, 90))
    if visit is None:
        return None
    visit.moments.append(Moment("signup", at))
    return at


def _freeze(
    seed: int,
    index: int,
    seq: int,
    draft: _Draft,
    considered_at: int | None,
    decided_at: int | None,
    first_purchase_at: int | None,
    advocated_at: int | None,
) -> Touch:
    at = draft.at
    if advocated_at is not None and at >= advocated_at:
        stage = "advocacy"
    elif first_purchase_at is not None and at >= first_purchase_at:
        stage = "retention"
    elif decided_at is not None and at >= decided_at:
        stage = "purchase"
    elif considered_at is not None and at >= considered_at:
        stage = "consideration"
    else:
        stage = "awareness"
    gclid = fbclid = None
    if draft.channel in ("paid_search", "display"):
        gclid = ids.gclid(seed, index, seq)
    elif draft.channel == "paid_social" and draft.source in ("Facebook", "Instagram"):
        fbclid = ids.fbclid(seed, index, seq)
    return Touch(
        channel=draft.channel,
        at=at,
        campaign=draft.campaign,
        source=draft.source,
        term=draft.term,
        landing_page=draft.landing_page,
        seq=seq,
        kind=draft.kind,
        stage=stage,
        device=draft.device,
        logged_in=draft.logged_in,
        email_send=draft.email_send,
        event=draft.event,
        gclid=gclid,
        fbclid=fbclid,
        moments=tuple(sorted(draft.moments, key=lambda m: m.at)),
    )


@dataclass(frozen=True, slots=True)
class WorldSummary:
    """Counts per furthest stage and of CRM knowledge: what a person checks first about a generated world."""

    buyers: int
    by_furthest_stage: dict[str, int]
    known_to_crm: int
    purchases: int
    opportunities: int
    touches: int = 0

    @property
    def text(self) -> str:
        stages = ", ".join(f"{stage} {count}" for stage, count in self.by_furthest_stage.items())
        return (
            f"{self.buyers} buyers (furthest stage: {stages}); {self.touches} touches; "
            f"{self.known_to_crm} known to the CRM; {self.purchases} purchases; "
            f"{self.opportunities} sales opportunities"
        )


def summarise(world: World) -> WorldSummary:
    stages = dict.fromkeys(STAGES, 0)
    known = purchases = opportunities = touches = 0
    for buyer in world.iter_buyers():
        stages[buyer.furthest_stage] += 1
        known += buyer.crm is not None
        purchases += len(buyer.purchases)
        opportunities += len(buyer.opportunities)
        touches += len(buyer.touches)
    return WorldSummary(len(world), stages, known, purchases, opportunities, touches)
