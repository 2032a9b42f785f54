"""The referral step's shortcut: ``_advocated_before`` answers what generating the candidate whole would, so a
world's referrals (and its truth files) are the same as if every candidate were generated."""

from __future__ import annotations

import pytest

from sandbox.world import (
    REFERRAL_CANDIDATES,
    WorldConfig,
    _advocated_before,
    _Draw,
    _generate_without_referral,
    _referrer,
)

CONFIG = WorldConfig(seed=42, buyers=3000)


@pytest.fixture(scope="module")
def plain_buyers():
    return [_generate_without_referral(CONFIG, index) for index in range(CONFIG.buyers)]


def test_the_shortcut_agrees_with_the_whole_buyer_at_every_moment_that_matters(plain_buyers):
    advocates = [b for b in plain_buyers if b.advocated_at is not None]
    assert len(advocates) >= 20  # enough advocates for the comparison to mean something
    for buyer in plain_buyers:
        moments = [CONFIG.start_ms, buyer.first_touch.at, CONFIG.end_ms + 1]
        if buyer.advocated_at is not None:
            moments += [buyer.advocated_at - 1, buyer.advocated_at, buyer.advocated_at + 1]
        for moment in moments:
            expected = buyer.advocated_at is not None and buyer.advocated_at < moment
            assert _advocated_before(CONFIG, buyer.index, moment) == expected, (buyer.index, moment)


def test_the_referrer_is_the_first_candidate_who_advocated_before_the_first_touch(plain_buyers):
    """The referral step as it was before the shortcut: every candidate generated whole."""
    referral_buyers = [b for b in plain_buyers if b.first_touch.channel == "referral"]
    assert len(referral_buyers) >= 100
    found = 0
    for buyer in referral_buyers:
        draw, expected = _Draw(CONFIG.seed, buyer.index, "referral"), None
        for _ in range(REFERRAL_CANDIDATES):
            candidate = draw.index(CONFIG.buyers)
            if candidate == buyer.index:
                continue
            advocated_at = plain_buyers[candidate].advocated_at
            if advocated_at is not None and advocated_at < buyer.first_touch.at:
                expected = candidate
                break
        assert _referrer(CONFIG, buyer.index, buyer.first_touch.at) == expected
        found += expected is not None
    assert found >= 3
