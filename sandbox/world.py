"""The synthetic world: buyers moving from awareness to advocacy, generated from a seed.

Every buyer is a pure function of ``(seed, buyer index)``: :func:`generate_buyer` draws from random streams
that are seeded from that pair and a stream name, never from global state. So a buyer can be produced on its
own, in any order, in any process, and the world can be streamed (:meth:`World.iter_buyers`) instead of held
in memory. Each aspect of a buyer (identity, journey, CRM, sales) has its own stream, and each vendor
projection draws its noise from its own stream too (:meth:`World.rng`), so adding a vendor or an attribute
later does not reshuffle the others.

The world holds facts, in vendor-neutral terms: when a buyer first touched the brand and through which
channel, when they considered, bought, bought again and recommended, when the CRM first learnt of them, and
how each B2B sales opportunity went. Vendor modules (``sandbox.vendors.*``) turn those facts into what each
system would have recorded. Every instant is an ``int`` of epoch milliseconds (UTC); every event lies in
``[start_ms, end_ms)``: what would have happened after the world's end simply has not happened yet.

The conversion model is explicit (:data:`CHANNEL_MODEL`): the first-touch channel sets the chance to consider
and then to buy. Later work adds multi-touch journeys on top of the same per-buyer streams.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sandbox import vocabulary as vocab
from sandbox.timefmt import MS_PER_DAY, MS_PER_HOUR, to_ms

CHANNELS: tuple[str, ...] = (
    "paid_search",
    "paid_social",
    "display",
    "email",
    "organic_search",
    "organic_social",
    "referral",
    "direct",
    "offline_event",
)
STAGES: tuple[str, ...] = ("awareness", "consideration", "purchase", "retention", "advocacy")

# The steps of a B2B sale, in order; an opportunity ends "won" or "lost", or is open at the world's end.
SALES_STEPS: tuple[str, ...] = ("appointment", "qualified", "presentation", "decision", "contract")


@dataclass(frozen=True, slots=True)
class ChannelModel:
    """How buyers who first meet the brand on one channel behave."""

    share: float  # share of all first touches
    consider: float  # P(consideration | first touch here)
    purchase: float  # P(purchase | consideration)


CHANNEL_MODEL: dict[str, ChannelModel] = {
    "paid_search": ChannelModel(share=0.18, consider=0.50, purchase=0.32),
    "paid_social": ChannelModel(share=0.14, consider=0.35, purchase=0.22),
    "display": ChannelModel(share=0.10, consider=0.25, purchase=0.18),
    "email": ChannelModel(share=0.08, consider=0.55, purchase=0.35),
    "organic_search": ChannelModel(share=0.20, consider=0.45, purchase=0.30),
    "organic_social": ChannelModel(share=0.08, consider=0.30, purchase=0.20),
    "referral": ChannelModel(share=0.08, consider=0.55, purchase=0.40),
    "direct": ChannelModel(share=0.10, consider=0.50, purchase=0.35),
    "offline_event": ChannelModel(share=0.04, consider=0.60, purchase=0.38),
}

B2B_SHARE = 0.45  # buyers who buy for a company, through a sales opportunity (a CRM deal)
EUR_SHARE = 0.20  # buyers billed in EUR; the rest in USD
P_RETAIN = 0.55  # P(buys again | bought)
P_ADVOCATE = 0.35  # P(recommends | bought again)
P_KNOWN_IF_CONSIDERED = 0.80  # fills a form when considering
P_SUBSCRIBED_FIRST = 0.25  # a considering buyer who had subscribed to the newsletter before
P_KNOWN_IF_AWARE_ONLY = 0.12  # subscribes to the newsletter without going further
P_MQL = 0.70  # marketing qualifies a lead
P_LOST_OPPORTUNITY = 0.55  # a considering B2B buyer who will not buy still gets a sales opportunity
MAX_REPEATS = 3


@dataclass(frozen=True, slots=True)
class WorldConfig:
    seed: int = 42
    buyers: int = 2000
    start: date = date(2026, 7, 1)
    days: int = 120

    def __post_init__(self) -> None:
        if self.buyers < 0:
            raise ValueError(f"buyers must be >= 0, got {self.buyers}")
        if self.days < 1:
            raise ValueError(f"days must be >= 1, got {self.days}")

    @property
    def start_ms(self) -> int:
        return to_ms(self.start)

    @property
    def end_ms(self) -> int:
        """The world's end: midnight UTC after its last day. Nothing happens at or after it."""
        return self.start_ms + self.days * MS_PER_DAY


@dataclass(frozen=True, slots=True)
class Touch:
    """One interaction of a buyer with the brand, with what the systems that saw it could know."""

    channel: str
    at: int
    campaign: str | None  # the campaign name, for paid and managed channels
    source: str | None  # search engine, social network, referring domain or event
    term: str | None  # the search term typed, when there was one
    landing_page: str


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
    first_touch: Touch
    considered_at: int | None
    retained_at: int | None
    advocated_at: int | None
    crm: CrmFacts | None
    opportunities: tuple[Opportunity, ...]
    purchases: tuple[Purchase, ...]

    @property
    def email(self) -> str:
        """The normalised email: trimmed and lower-cased."""
        return normalise_email(self.email_typed)

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


def normalise_email(email: str) -> str:
    return email.strip().lower()


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

    def write_truth(self, out_dir: str | Path) -> list[Path]:
        """Write the ground truth CSV files (see :mod:`sandbox.truth`) and return their paths."""
        from sandbox.truth import write_truth  # the truth names vendor ids, so it imports vendor modules

        return write_truth(self, out_dir)

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

    def pick(self, options: Sequence[str]) -> str:
        return options[self.rng.randrange(len(options))]

    def weighted(self, options: Sequence[str], weights: Sequence[float]) -> str:
        return self.rng.choices(options, weights=weights, k=1)[0]

    def days(self, mean: float, shape: float = 1.0) -> int:
        """A gamma-distributed duration in ms with the given mean in days (shape 1: exponential)."""
        return int(self.rng.gammavariate(shape, mean / shape) * MS_PER_DAY)

    def between(self, low: int, high: int) -> int:
        return low if high <= low else self.rng.randrange(low, high)

    def fraction(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high)


def generate_buyer(config: WorldConfig, index: int) -> Buyer:
    """Buyer ``index`` of the world ``config``: a pure function of the two."""
    seed, end = config.seed, config.end_ms
    identity = _Draw(seed, index, "identity")
    journey = _Draw(seed, index, "journey")
    crm_draw = _Draw(seed, index, "crm")
    sales = _Draw(seed, index, "sales")

    first, last = identity.pick(vocab.FIRST_NAMES), identity.pick(vocab.LAST_NAMES)
    is_b2b = identity.chance(B2B_SHARE)
    company = f"{identity.pick(vocab.COMPANY_PREFIXES)} {identity.pick(vocab.COMPANY_SUFFIXES)}" if is_b2b else None
    currency = "EUR" if identity.chance(EUR_SHARE) else "USD"
    email_typed = _typed_email(identity, index, first, last, company)

    channel = journey.weighted(CHANNELS, [CHANNEL_MODEL[c].share for c in CHANNELS])
    model = CHANNEL_MODEL[channel]
    first_touch = _first_touch(journey, channel, journey.between(config.start_ms, end))

    considered_at = (
        _within(first_touch.at + journey.days(6, shape=1.5), end) if journey.chance(model.consider) else None
    )
    will_buy = considered_at is not None and journey.chance(model.purchase)
    # When the first purchase would happen (it may fall after the world's end: then it has not happened yet).
    planned_purchase_at = None
    if will_buy:
        assert considered_at is not None
        planned_purchase_at = considered_at + (journey.days(21, shape=2.0) if is_b2b else journey.days(3, 1.2))
    purchase_times = _purchase_times(journey, planned_purchase_at, is_b2b, end)
    retained_at = purchase_times[1] if len(purchase_times) > 1 else None
    advocated_at = None
    if retained_at is not None and journey.chance(P_ADVOCATE):
        advocated_at = _within(retained_at + journey.days(14), end)

    crm = _crm_facts(crm_draw, first_touch, considered_at, must_know=will_buy and is_b2b, end=end)

    opportunities: tuple[Opportunity, ...] = ()
    if is_b2b and crm is not None and crm.lead_at is not None:
        assert company is not None
        opportunities = _opportunities(sales, company, currency, crm.lead_at, planned_purchase_at, purchase_times, end)
        crm = _with_sales_qualification(crm_draw, crm, opportunities)

    purchases = _purchases(sales, is_b2b, currency, purchase_times, opportunities)
    return Buyer(
        index=index,
        buyer_id=f"buyer-{index:07d}",
        first_name=first,
        last_name=last,
        email_typed=email_typed,
        company=company,
        is_b2b=is_b2b,
        currency=currency,
        first_touch=first_touch,
        considered_at=considered_at,
        retained_at=retained_at,
        advocated_at=advocated_at,
        crm=crm,
        opportunities=opportunities,
        purchases=purchases,
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


def _first_touch(draw: _Draw, channel: str, at: int) -> Touch:
    campaign = draw.pick(vocab.CAMPAIGNS[channel]) if channel in vocab.CAMPAIGNS else None
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
    elif channel == "offline_event":
        source = campaign
    return Touch(
        channel=channel,
        at=at,
        campaign=campaign,
        source=source,
        term=term,
        landing_page=draw.pick(vocab.LANDING_PAGES),
    )


def _purchase_times(draw: _Draw, first_at: int | None, is_b2b: bool, end: int) -> tuple[int, ...]:
    if first_at is None or first_at >= end:
        return ()
    times = [first_at]
    if draw.chance(P_RETAIN):
        repeats = draw.weighted(("1", "2", "3"), (0.6, 0.3, 0.1))
        for _ in range(int(repeats)):
            following = times[-1] + MS_PER_DAY + draw.days(35 if is_b2b else 30, shape=1.5)
            if following >= end:
                break
            times.append(following)
    return tuple(times)


def _crm_facts(
    draw: _Draw, first_touch: Touch, considered_at: int | None, *, must_know: bool, end: int
) -> CrmFacts | None:
    at_event = first_touch.channel == "offline_event"
    if considered_at is not None:
        if not (must_know or draw.chance(P_KNOWN_IF_CONSIDERED)):
            return None
        lead_at = considered_at + draw.between(0, 2 * MS_PER_HOUR)
        known_at, known_via = lead_at, "event" if at_event else "form"
        if not at_event and draw.chance(P_SUBSCRIBED_FIRST):
            known_at = first_touch.at + draw.between(0, max(1, min(3 * MS_PER_DAY, lead_at - first_touch.at)))
            known_via = "newsletter"
    elif draw.chance(P_KNOWN_IF_AWARE_ONLY):
        known_at = first_touch.at + draw.between(0, 3 * MS_PER_DAY)
        known_via = "event" if at_event else "newsletter"
        lead_at = known_at if at_event else None
    else:
        return None
    if known_at >= end:
        return None
    lead_at = _within(lead_at, end) if lead_at is not None else None
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
    draw: _Draw, is_b2b: bool, currency: str, times: tuple[int, ...], opportunities: tuple[Opportunity, ...]
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
        )
        for seq, at in enumerate(times)
    )


def _round_to(amount: Decimal, step: int, minimum: int) -> Decimal:
    return max(Decimal(minimum), (amount / step).quantize(Decimal(1)) * step)


@dataclass(frozen=True, slots=True)
class WorldSummary:
    """Counts per furthest stage and of CRM knowledge: what a person checks first about a generated world."""

    buyers: int
    by_furthest_stage: dict[str, int]
    known_to_crm: int
    purchases: int
    opportunities: int

    @property
    def text(self) -> str:
        stages = ", ".join(f"{stage} {count}" for stage, count in self.by_furthest_stage.items())
        return (
            f"{self.buyers} buyers (furthest stage: {stages}); {self.known_to_crm} known to the CRM; "
            f"{self.purchases} purchases; {self.opportunities} sales opportunities"
        )


def summarise(world: World) -> WorldSummary:
    stages = dict.fromkeys(STAGES, 0)
    known = purchases = opportunities = 0
    for buyer in world.iter_buyers():
        stages[buyer.furthest_stage] += 1
        known += buyer.crm is not None
        purchases += len(buyer.purchases)
        opportunities += len(buyer.opportunities)
    return WorldSummary(len(world), stages, known, purchases, opportunities)
