"""The world is plausible: a narrowing funnel, events inside the world's time, messy emails, all channels."""

from __future__ import annotations

from collections import Counter

from sandbox.world import CHANNELS, summarise


def test_the_funnel_narrows_and_the_crm_knows_a_share_of_buyers(demo_world):
    summary = summarise(demo_world)
    buyers = summary.buyers
    reached = Counter()
    for buyer in demo_world.iter_buyers():
        for stage, at in (
            ("consideration", buyer.considered_at),
            ("purchase", buyer.first_purchase_at),
            ("retention", buyer.retained_at),
            ("advocacy", buyer.advocated_at),
        ):
            reached[stage] += at is not None
    assert buyers > reached["consideration"] > reached["purchase"] > reached["retention"] > reached["advocacy"] > 0
    assert reached["purchase"] < 0.25 * buyers  # most buyers never buy
    assert 0.30 <= summary.known_to_crm / buyers <= 0.50
    assert sum(summary.by_furthest_stage.values()) == buyers


def test_every_event_lies_inside_the_world_and_in_order(demo_world):
    start, end = demo_world.start_ms, demo_world.end_ms
    for buyer in demo_world.iter_buyers():
        times = [
            buyer.awareness_at,
            buyer.considered_at,
            buyer.first_purchase_at,
            buyer.retained_at,
            buyer.advocated_at,
        ]
        reached = [t for t in times if t is not None]
        assert reached == sorted(reached)
        assert all(start <= t < end for t in reached)
        if buyer.crm:
            assert start <= buyer.crm.known_at < end
        for opportunity in buyer.opportunities:
            step_times = [at for _, at in opportunity.steps]
            assert step_times == sorted(step_times) and all(t < end for t in step_times)
            assert (opportunity.outcome == "open") == (opportunity.closed_at is None)
        assert all(p.kind == ("deal" if buyer.is_b2b else "ecommerce") for p in buyer.purchases)


def test_identity_is_messy_the_way_people_are(demo_world):
    buyers = list(demo_world.iter_buyers())
    emails = [b.email for b in buyers]
    assert len(set(emails)) == len(emails), "normalised emails identify buyers"
    assert any(b.email_typed != b.email_typed.strip() for b in buyers)
    assert any(b.email_typed.strip() != b.email for b in buyers)
    assert Counter(b.first_touch.channel for b in buyers).keys() == set(CHANNELS)
    assert {b.currency for b in buyers} == {"USD", "EUR"}
