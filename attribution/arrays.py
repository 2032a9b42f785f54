"""Small vectorised helpers over flat (CSR-style) arrays."""

from __future__ import annotations

import numpy as np

DENSE_CODES = 1 << 24  # below this many possible codes, counting beats sorting


def unique_inverse(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True)`` for non-negative integers, in O(n) when the code space is small."""
    if len(codes) == 0:
        return codes[:0], np.zeros(0, dtype=np.int64)
    top = int(codes.max())
    if top < DENSE_CODES:
        present = np.bincount(codes, minlength=top + 1) > 0
        rank = np.cumsum(present) - 1
        return np.flatnonzero(present), rank[codes]
    order = np.argsort(codes, kind="stable")
    ordered = codes[order]
    new = np.ones(len(codes), dtype=bool)
    new[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(codes), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


def unique_sorted(codes: np.ndarray) -> np.ndarray:
    """Distinct values of non-negative integer ``codes``, ascending."""
    return unique_inverse(codes)[0]


def first_occurrences(group: np.ndarray) -> np.ndarray:
    """Index of the first row of every group, for groups numbered in order of first appearance (as factorize does)."""
    seen_before = np.maximum.accumulate(np.concatenate([[-1], group[:-1]]))
    return np.flatnonzero(group > seen_before)


def ragged_take(flat: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate ``flat[s:s + n]`` for every (s, n), returning the values and their offsets."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    index = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])
    return flat[index], offsets
