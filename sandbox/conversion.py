"""The world's conversion model: how the channels a buyer touches move them to a first purchase.

The model is stated once, here, and the world both draws its buyers from it and publishes what it implies, so the
warehouse's attribution can be checked against a known answer.

**Exposures.** Each buyer has an *exposure sequence*: the touches they would have, in time order, if they never
bought (:class:`Exposure`: channel, instant, and when a purchase decided at that touch would land). Exposures
are drawn from the buyer's ``exposure`` stream, independently of whether the buyer converts: web visits arrive
with gamma-distributed gaps, emails follow the send calendar after the buyer subscribed, events follow the event
calendar (see :mod:`sandbox.world`).

**Two stages, additive hazards.** A buyer with intent ``z`` (``Gamma(1.5, 1/1.5)``, mean 1) who is only aware
starts to *consider* at a touch on channel ``c`` with probability ``1 - exp(-z * consider[c])``; once considering,
they *decide to buy* at a later touch on channel ``c`` with probability ``1 - exp(-z * convert[c])``. So the
chance of still not considering after touches ``1..k`` is ``exp(-z * sum(consider[c_i]))``: every touch adds its
channel's weight to a cumulative hazard. Per-channel weights are in :data:`CHANNEL_MODEL`. The decision at a
touch lands (the order is placed, the deal closes) after a lag; a purchase that would land after the world's
end has not happened yet and does not count as a conversion.

**Realised outcomes** use one pair of uniform draws per exposure from the buyer's ``conversion`` stream
(:func:`realised`): the first touch whose draw falls under the consideration hazard is where the buyer starts
considering, and the first later touch under the purchase hazard is where they decide.

**Conversion probability** given the exposures is computed exactly by a forward pass over the two stages
(:func:`probability`), without drawing anything.

**A channel's true contribution** is the expected drop in conversions (first purchases inside the world) if the
channel were removed: ``sum over buyers of P(convert | exposures) - P(convert | exposures without channel c)``.
Removing a channel drops its exposures and keeps every other exposure at its time (exposures do not react to the
removal): it is the channel's *direct* effect, holding the rest of the journey fixed. The number is an exact
expectation over the conversion draws, not a Monte Carlo estimate: it carries no sampling noise. The realised
number of conversions differs from the expected one by sampling noise only. Because the hazards interact, the
contributions need not add up to the expected conversions (the truth reports both). Each buyer's probabilities
are rounded to 1e-12 and summed as integers, so the published sums do not depend on summation order (or the
number of worker processes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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
WEB_CHANNELS: tuple[str, ...] = tuple(c for c in CHANNELS if c != "offline_event")


@dataclass(frozen=True, slots=True)
class ChannelModel:
    """How one channel brings buyers in and moves them on."""

    share: float  # share of all first touches
    revisit: float  # weight among later web visits (email and events follow their own calendars: 0 here)
    consider: float  # consideration hazard weight per touch (times the buyer's intent)
    convert: float  # purchase hazard weight per touch once considering (times the buyer's intent)


CHANNEL_MODEL: dict[str, ChannelModel] = {
    "paid_search": ChannelModel(share=0.18, revisit=0.16, consider=0.11, convert=0.10),
    "paid_social": ChannelModel(share=0.14, revisit=0.15, consider=0.05, convert=0.035),
    "display": ChannelModel(share=0.10, revisit=0.12, consider=0.025, convert=0.015),
    "email": ChannelModel(share=0.08, revisit=0.0, consider=0.12, convert=0.10),
    "organic_search": ChannelModel(share=0.20, revisit=0.20, consider=0.09, convert=0.07),
    "organic_social": ChannelModel(share=0.08, revisit=0.08, consider=0.04, convert=0.025),
    "referral": ChannelModel(share=0.08, revisit=0.07, consider=0.13, convert=0.10),
    "direct": ChannelModel(share=0.10, revisit=0.22, consider=0.08, convert=0.09),
    "offline_event": ChannelModel(share=0.04, revisit=0.0, consider=0.30, convert=0.12),
}

INTENT_SHAPE = 1.5  # intent ~ Gamma(shape, scale 1/shape): mean 1, most buyers lukewarm, a few keen
FIXED_POINT = 10**12  # probabilities are summed as integers in units of 1e-12


@dataclass(frozen=True, slots=True)
class Exposure:
    """One touch of a buyer's exposure sequence, as the conversion model sees it."""

    channel: str
    at: int  # epoch ms
    lands_at: int  # when a purchase decided at this touch would land (order placed, deal closed)


def hazard(weight: float, intent: float) -> float:
    """P(the stage moves at this touch) for a channel weight and a buyer's intent."""
    return 1.0 - math.exp(-weight * intent)


def realised(
    exposures: Sequence[Exposure], intent: float, draws: Sequence[tuple[float, float]]
) -> tuple[int | None, int | None]:
    """(index where the buyer starts considering, index where they decide to buy), each None if never.

    ``draws[i]`` are the two uniforms of exposure ``i``: (consideration, purchase). At each touch a considering
    buyer may decide first; a buyer who starts considering at a touch can decide at a later touch only.
    """
    considered: int | None = None
    for index, (exposure, (u_consider, u_convert)) in enumerate(zip(exposures, draws, strict=True)):
        model = CHANNEL_MODEL[exposure.channel]
        if considered is not None:
            if u_convert < hazard(model.convert, intent):
                return considered, index
        elif u_consider < hazard(model.consider, intent):
            considered = index
    return considered, None


def probability(exposures: Iterable[Exposure], intent: float, end_ms: int, without: str | None = None) -> float:
    """P(first purchase lands before ``end_ms`` | the exposures), optionally with one channel's touches removed."""
    aware, considering, converted = 1.0, 0.0, 0.0
    for exposure in exposures:
        if exposure.channel == without:
            continue
        model = CHANNEL_MODEL[exposure.channel]
        decides = considering * hazard(model.convert, intent)
        considering -= decides
        if exposure.lands_at < end_ms:
            converted += decides
        starts = aware * hazard(model.consider, intent)
        aware -= starts
        considering += starts
    return converted


def to_fixed(value: float) -> int:
    return round(value * FIXED_POINT)


def from_fixed(value: int) -> float:
    return value / FIXED_POINT


@dataclass(frozen=True, slots=True)
class BuyerContribution:
    """One buyer's share of the published numbers (fixed point)."""

    expected: int  # P(convert) with every channel
    without: dict[str, int]  # channel -> P(convert) without that channel, for the channels the buyer was exposed to
    exposed: frozenset[str]


def buyer_contribution(exposures: Sequence[Exposure], intent: float, end_ms: int) -> BuyerContribution:
    """P(convert) with every channel and without each channel the buyer was exposed to (same as
    :func:`probability`, with each touch's hazards computed once)."""
    steps = [
        (
            e.channel,
            hazard(CHANNEL_MODEL[e.channel].consider, intent),
            hazard(CHANNEL_MODEL[e.channel].convert, intent),
            e.lands_at < end_ms,
        )
        for e in exposures
    ]

    def chance(without: str | None) -> int:
        aware, considering, converted = 1.0, 0.0, 0.0
        for channel, starts_hazard, decides_hazard, lands_in_time in steps:
            if channel == without:
                continue
            decides = considering * decides_hazard
            considering -= decides
            if lands_in_time:
                converted += decides
            starts = aware * starts_hazard
            aware -= starts
            considering += starts
        return to_fixed(converted)

    exposed = frozenset(step[0] for step in steps)
    return BuyerContribution(expected=chance(None), without={c: chance(c) for c in exposed}, exposed=exposed)


@dataclass(slots=True)
class ChannelTally:
    """What the truth publishes per channel, accumulated buyer by buyer (integers: order-independent sums)."""

    touches: int = 0  # realised touches on the channel, all stages
    touches_before_purchase: int = 0  # realised touches before a first purchase, among converted buyers
    buyers_exposed: int = 0  # buyers with the channel in their exposure sequence
    expected_without: int = 0  # fixed point: sum of P(convert without the channel)
    first_touch_conversions: int = 0  # realised conversions whose first touch was on the channel
    last_touch_conversions: int = 0  # realised conversions whose last touch before the purchase was on it


@dataclass(slots=True)
class ContributionTally:
    expected: int = 0  # fixed point: sum of P(convert)
    observed: int = 0  # realised first purchases inside the world
    buyers: int = 0
    channels: dict[str, ChannelTally] = field(default_factory=lambda: {c: ChannelTally() for c in CHANNELS})

    def add(self, contribution: BuyerContribution) -> None:
        self.buyers += 1
        self.expected += contribution.expected
        for channel, tally in self.channels.items():
            if channel in contribution.exposed:
                tally.buyers_exposed += 1
                tally.expected_without += contribution.without[channel]
            else:
                tally.expected_without += contribution.expected

    def merge(self, other: ContributionTally) -> None:
        self.expected += other.expected
        self.observed += other.observed
        self.buyers += other.buyers
        for channel, tally in self.channels.items():
            theirs = other.channels[channel]
            tally.touches += theirs.touches
            tally.touches_before_purchase += theirs.touches_before_purchase
            tally.buyers_exposed += theirs.buyers_exposed
            tally.expected_without += theirs.expected_without
            tally.first_touch_conversions += theirs.first_touch_conversions
            tally.last_touch_conversions += theirs.last_touch_conversions

    def contribution(self, channel: str) -> int:
        """Fixed point: expected conversions lost without the channel."""
        return self.expected - self.channels[channel].expected_without
