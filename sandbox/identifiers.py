"""The identifiers buyers leave behind in each system, as pure functions of (seed, buyer index, ...).

Ids that must never collide (visitor ids, user ids, Mailchimp member ids, loyalty ids) come from a bijective
scramble of the buyer index, so they are unique by construction at any world size and still look random. Click
ids (gclid, fbclid) are long digests: collisions are astronomically unlikely. Formats follow the vendors:

- Matomo ``visitorId``: 16 lower-case hex characters (the 8-byte ``idvisitor`` in hex). With Matomo's default
  ``enable_userid_overwrites_visitorid = 1``, a visit with a user id gets ``visitorId = sha1(userId)[:16]``.
- gclid: ``Cj0KCQ...`` URL-safe base64, about 90 characters; fbclid: ``IwAR...``, about 60 characters.
- Mailchimp ``unique_email_id`` (the ``mc_eid`` URL parameter): 10 lower-case hex characters.
"""

from __future__ import annotations

import base64
import hashlib

_MASK64 = (1 << 64) - 1
_MASK40 = (1 << 40) - 1


def _key(seed: int, purpose: str, bits: int) -> int:
    digest = hashlib.blake2b(f"{seed}/key/{purpose}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") & ((1 << bits) - 1)


def _scramble(value: int, seed: int, purpose: str, bits: int) -> int:
    """A bijection on ``bits``-bit integers (odd multiplier, key addition, xor-shifts): distinct in, distinct out."""
    mask = (1 << bits) - 1
    x = (value * 0x9E3779B97F4A7C15 + _key(seed, purpose, bits)) & mask
    x ^= x >> (bits // 2)
    x = (x * 0xBF58476D1CE4E5B9) & mask
    x ^= x >> (bits // 3)
    return x


def visitor_id(seed: int, index: int, device: int) -> str:
    """The Matomo visitor id (first-party cookie) of one of a buyer's devices (at most 16 devices per buyer)."""
    return f"{_scramble(index * 16 + device, seed, 'visitor', 64):016x}"


def visitor_id_for_user(user_id: str) -> str:
    """Matomo's visitor id for a visit with a user id: the first 16 hex characters of sha1(userId)."""
    return hashlib.sha1(user_id.encode()).hexdigest()[:16]  # noqa: S324 - Matomo's own (non-security) use of sha1


def user_id(seed: int, index: int) -> str:
    """The web shop / app account id, set as Matomo's user id once the buyer has an account and logs in."""
    return f"C{_scramble(index, seed, 'user', 40):013d}"


def loyalty_id(seed: int, index: int) -> str:
    """The loyalty card number a consumer gives in stores and at events."""
    return f"LOY-{_scramble(index, seed, 'loyalty', 40):013d}"


def mailchimp_member_id(seed: int, index: int) -> str:
    """Mailchimp's ``unique_email_id`` of the buyer's list member, as in the ``mc_eid`` URL parameter."""
    return f"{_scramble(index, seed, 'mc_eid', 40) & _MASK40:010x}"


def _click_id(seed: int, index: int, seq: int, kind: str, prefix: str, size: int) -> str:
    digest = hashlib.blake2b(f"{seed}/{index}/{kind}/{seq}".encode(), digest_size=64).digest()
    return prefix + base64.urlsafe_b64encode(digest[:size]).decode().rstrip("=")


def gclid(seed: int, index: int, touch_seq: int) -> str:
    """Google Ads click id of one ad click (auto-tagging appends it to the landing URL)."""
    return _click_id(seed, index, touch_seq, "gclid", "Cj0KCQjw", 62)


def fbclid(seed: int, index: int, touch_seq: int) -> str:
    """Meta click id that Facebook and Instagram append to outbound links."""
    return _click_id(seed, index, touch_seq, "fbclid", "IwAR", 42)


def unit_interval(seed: int, index: int, *parts: object) -> float:
    """A uniform number in [0, 1) from a digest: a draw that does not depend on any stream's position."""
    text = "/".join(str(p) for p in (seed, index, *parts))
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") & _MASK64) / 2**64


def order_id(seed: int, index: int, purchase_seq: int) -> str:
    """The web shop's order number of one of a consumer's orders (Matomo's ecommerce ``orderId``)."""
    return f"PP-{_scramble(index * 8 + purchase_seq, seed, 'order', 40):013d}"
