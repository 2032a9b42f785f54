"""Journeys are multi-touch, omnichannel and plausible; identities are messy the way the web is."""

from __future__ import annotations

import statistics
from collections import Counter

from sandbox import conversion as model
from sandbox.world import CHANNELS, STAGES


def test_buyers_need_several_touches_and_most_never_buy(demo_world):
    buyers = list(demo_world.iter_buyers())
    converted = [b for b in buyers if b.first_purchase_at is not None]
    before = [b.touches_before_first_purchase for b in converted]
    assert 5 <= statistics.median(before) <= 12
    assert min(before) >= 2  # consideration and the decision are different touches
    assert len(converted) < 0.25 * len(buyers)
    assert statistics.mean(len(b.touches) for b in buyers) > 3
    # Every channel appears in journeys, not only as a first touch; and a journey mixes channels.
    assert Counter(t.channel for b in buyers for t in b.touches).keys() == set(CHANNELS)
    assert statistics.median(len({t.channel for t in b.touches}) for b in converted) >= 3


def test_touches_are_in_time_order_with_stages_that_only_move_forward(demo_world):
    start, end = demo_world.start_ms, demo_world.end_ms
    for buyer in demo_world.iter_buyers():
        times = [t.at for t in buyer.touches]
        assert times == sorted(times) and all(start <= t < end for t in times)
        assert [t.seq for t in buyer.touches] == list(range(len(buyer.touches)))
        ranks = [STAGES.index(t.stage) for t in buyer.touches]
        assert ranks == sorted(ranks)
        for touch in buyer.touches:
            assert all(touch.at <= m.at < end for m in touch.moments)
        orders = {m.purchase_seq: t for t in buyer.touches for m in t.moments if m.kind == "order"}
        for purchase in buyer.purchases:
            if purchase.kind == "ecommerce":
                visit = orders[purchase.seq]
                assert purchase.touch_seq == visit.seq and visit.is_web
                assert any(m.kind == "order" and m.at == purchase.at for m in visit.moments)
        if buyer.first_purchase_at is not None:
            assert buyer.decided_at is not None and buyer.considered_at is not None
            assert buyer.considered_at < buyer.decided_at <= buyer.first_purchase_at


def test_web_identity_devices_logins_and_click_ids(demo_world):
    buyers = list(demo_world.iter_buyers())
    assert Counter(len(b.devices) for b in buyers).keys() == {1, 2, 3}
    for buyer in buyers:
        for touch in buyer.touches:
            assert (touch.device is not None) == touch.is_web
            if touch.logged_in:  # a user id only once the buyer has an account
                assert buyer.signed_up_at is not None and touch.at + 3_600_000 > buyer.signed_up_at
            assert (touch.gclid is not None) == (touch.channel in ("paid_search", "display"))
            assert (touch.fbclid is not None) == (
                touch.channel == "paid_social" and touch.source in ("Facebook", "Instagram")
            )
            if touch.channel == "email":
                assert buyer.mc_eid is not None and buyer.subscribed_at is not None
                assert touch.email_send is not None and touch.at > buyer.subscribed_at
    logged = [b for b in buyers if any(t.logged_in for t in b.touches)]
    assert 0 < len(logged) < 0.5 * len(buyers), "many people never log in"
    assert any(len({t.device for t in b.touches if t.is_web}) > 1 for b in buyers)
    ids = [t.gclid for b in buyers for t in b.touches if t.gclid] + [
        t.fbclid for b in buyers for t in b.touches if t.fbclid
    ]
    assert len(ids) == len(set(ids))
    visitor_ids = [d.visitor_id for b in buyers for d in b.devices]
    assert len(visitor_ids) == len(set(visitor_ids))


def test_the_crm_learns_of_buyers_through_forms_subscriptions_and_events(demo_world):
    via = Counter()
    for buyer in demo_world.iter_buyers():
        if buyer.crm is None:
            continue
        via[buyer.crm.known_via] += 1
        if buyer.crm.known_via == "newsletter":
            assert buyer.subscribed_at == buyer.crm.known_at
        if buyer.crm.known_via == "form":
            forms = [m.at for t in buyer.touches for m in t.moments if m.kind == "form"]
            assert forms and min(forms) == buyer.crm.known_at
        if buyer.is_b2b and buyer.first_purchase_at is not None:
            assert buyer.crm.lead_at is not None
    assert via.keys() == {"form", "newsletter", "event"}


def test_the_realised_conversions_follow_the_model(demo_world):
    """The conversion model's exact expectation matches the realised conversions up to sampling noise."""
    end = demo_world.end_ms
    buyers = list(demo_world.iter_buyers())
    expected = sum(model.probability(b.exposures, b.intent, end) for b in buyers)
    observed = sum(b.first_purchase_at is not None for b in buyers)
    noise = sum(p * (1 - p) for p in (model.probability(b.exposures, b.intent, end) for b in buyers)) ** 0.5
    assert abs(observed - expected) < 4 * noise
    for buyer in buyers:
        if buyer.first_purchase_at is not None:
            landing = [e.lands_at for e in buyer.exposures if e.at == buyer.decided_at]
            assert buyer.first_purchase_at in landing
        assert 0.0 <= model.probability(buyer.exposures, buyer.intent, end) <= 1.0


def test_removing_a_channel_never_raises_the_chance_to_convert(demo_world):
    end = demo_world.end_ms
    for buyer in list(demo_world.iter_buyers())[:500]:
        full = model.probability(buyer.exposures, buyer.intent, end)
        published = model.buyer_contribution(buyer.exposures, buyer.intent, end)
        assert published.expected == model.to_fixed(full)
        for channel in {e.channel for e in buyer.exposures}:
            without = model.probability(buyer.exposures, buyer.intent, end, without=channel)
            assert without <= full + 1e-12
            assert published.without[channel] == model.to_fixed(without)
