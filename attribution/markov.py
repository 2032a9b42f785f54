"""Markov-chain attribution with removal effects from an exact absorbing-chain solve (no simulation).

The chain (Anderl, Becker, von Wangenheim & Schumann 2016; the model ChannelAttribution estimates by simulation):

* states: ``start``, one transient state per observed tuple of the last ``order`` channels, and the absorbing
  ``conversion`` and ``null``. The first ``order - 1`` touches of a path use the shorter prefix seen so far, which
  is the same as padding the path on the left with ``start``;
* transition probabilities: observed transition counts, each path weighted by its journeys (converted + null),
  normalised per state; a path's last state moves to ``conversion`` ``total_conversions`` times and to ``null``
  ``total_null`` times;
* ``P(conversion)`` from ``start``: with ``Q`` the transient-to-transient block and ``r`` the one-step conversion
  probabilities, the absorption probabilities ``x`` solve ``(I − Q) x = r`` (``x = N r`` with the fundamental
  matrix ``N = (I − Q)⁻¹``), and ``P = start · x``;
* removal effect of channel ``c``: ``1 − P(conversion | c removed) / P(conversion)``, where removing ``c`` sends
  every state whose current channel is ``c`` to ``null``. (States that hold ``c`` further back can only be reached
  through such a state, so they are removed with it.)
* credits: total conversions × removal effect / sum of removal effects.

Conversion value gets its own removal effects from the same solve with a reward vector: the expected value
collected when leaving a state (value of the journeys that ended there / visits), so ``V = start · (I − Q)⁻¹ r_v`` is
the expected value per journey. Value credits are total value × value removal effect share; with the same value
per conversion everywhere they equal the conversion shares.

Repeated channels (``a > a > b``) are kept by default, as ChannelAttribution's documented default
(``transition_matrix(flg_equal=TRUE)`` counts transitions from a channel to itself). For order 1 it makes no
difference to removal effects: a self-loop only delays leaving a state, and the probabilities of where it goes next
are unchanged. For higher orders ``collapse_repeats=True`` merges consecutive duplicates first.

All removal effects come from one factorisation per chain. Removing channel ``c`` deletes the rows and columns ``R``
of its states from ``A = I − Q``; with ``N = A⁻¹`` and ``K`` the kept states, the block-inverse (Schur complement)
identity ``(A_KK)⁻¹ = N_KK − N_KR (N_RR)⁻¹ N_RK`` gives ``start_K · (A_KK)⁻¹ r_K`` from ``N`` and one solve of the
size of ``R`` (11 states for order 2 on 10 channels), instead of one full solve per channel. The counts behind the
chain are sparse products of a per-path incidence matrix with the per-path journeys, so the bootstrap evaluates
many resampled chains at once (:meth:`MarkovChain.many`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.linalg import lapack

from attribution.arrays import unique_inverse
from attribution.credits import ModelOutput
from attribution.errors import AttributionError
from attribution.paths import Paths

DENSE_STATES = 500  # up to this many transient states a dense inverse; above, a sparse iterative solve per removal
MAX_ORDER = 10
RESIDUAL = 1e-12  # relative residual of the iterative solve for large chains


@dataclass(frozen=True, eq=False)
class ChainCounts:
    """Counts behind k chains, each with a last axis of k: journeys starting in each state, moves per state pair,
    and conversions, nulls and conversion value leaving each state."""

    start: np.ndarray
    pairs: np.ndarray
    to_conversion: np.ndarray
    to_null: np.ndarray
    value_out: np.ndarray


class MarkovChain:
    """Evaluator: the chain's structure from the paths, re-weighted by each call's per-path counts."""

    def __init__(self, paths: Paths, order: int = 1, collapse_repeats: bool = False) -> None:
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 1 <= order <= MAX_ORDER:
            raise AttributionError(f"order must be a whole number from 1 to {MAX_ORDER}, not {order!r}")
        self.order = int(order)
        self.n_channels = paths.n_channels
        touches, rows = paths.touches.astype(np.int64), paths.row_of_touch
        offsets = paths.offsets
        if collapse_repeats:
            keep = np.ones(len(touches), dtype=bool)
            keep[1:] = (touches[1:] != touches[:-1]) | (rows[1:] != rows[:-1])
            touches, rows = touches[keep], rows[keep]
            offsets = np.zeros(paths.n_paths + 1, dtype=np.int64)
            np.cumsum(np.bincount(rows, minlength=paths.n_paths), out=offsets[1:])

        base = self.n_channels + 1
        if self.order * np.log2(base) > 62:
            raise AttributionError(
                f"order {self.order} with {self.n_channels} channels has too many possible states; use a lower order"
            )
        n = len(touches)
        position = np.arange(n) - offsets[:-1][rows]
        code = np.zeros(n, dtype=np.int64)
        for lag in range(self.order):  # code = Σ (channel at t−lag, + 1) · base^lag, 0 before the path starts
            earlier = touches[np.maximum(np.arange(n) - lag, 0)] + 1
            code += np.where(position >= lag, earlier, 0) * base**lag
        state_codes, state = unique_inverse(code)
        self.n_states = len(state_codes)
        self.state_channel = (state_codes % base) - 1  # the current (most recent) channel of each state

        first, last = offsets[:-1], offsets[1:] - 1
        moves = np.ones(n, dtype=bool)
        moves[last] = False
        moves = np.flatnonzero(moves)
        pair = state[moves] * self.n_states + state[moves + 1]
        pairs, move_pair = unique_inverse(pair)
        self.pair_from = pairs // self.n_states
        self.pair_to = pairs % self.n_states
        self.removable = [np.flatnonzero(self.state_channel == c) for c in range(self.n_channels)]
        # How often each path makes each move, starts or ends in each state: the chain's counts for any per-path
        # journeys are then sparse products, computed for many bootstrap replicates at once.
        n_paths, n_pairs = paths.n_paths, len(pairs)
        self.moves_of_path = _incidence(move_pair, rows[moves], (n_pairs, n_paths))
        self.start_of_path = _incidence(state[first], np.arange(n_paths), (self.n_states, n_paths))
        self.end_of_path = _incidence(state[last], np.arange(n_paths), (self.n_states, n_paths))
        self.source_of_pair = _incidence(self.pair_from, np.arange(n_pairs), (self.n_states, n_pairs))

    def counts(self, conversions: np.ndarray, values: np.ndarray, nulls: np.ndarray) -> ChainCounts:
        """The chains' counts for per-path counts of shape (paths, k): k chains at once, one per column."""
        journeys = conversions + nulls
        # float32 counts (the bootstrap's) are whole numbers and the incidence entries small whole numbers, so the
        # float32 products are exact, and 2–3× faster than float64 ones; the results continue in float64.
        return ChainCounts(
            start=_float64(self.start_of_path @ journeys),
            pairs=_float64(self.moves_of_path @ journeys),
            to_conversion=_float64(self.end_of_path @ conversions),
            to_null=_float64(self.end_of_path @ nulls),
            value_out=_float64(self.end_of_path @ values),
        )

    def transition_probabilities(self, counts: ChainCounts) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The chains' probabilities, each with a last axis of k: the start distribution per state, the transition
        probability of each state pair (the entries of Q at ``pair_from``/``pair_to``), the one-step probability of
        converting (r) and the expected value collected on leaving each state (r_value)."""
        leaving = self.source_of_pair @ counts.pairs + counts.to_conversion + counts.to_null
        per_visit = np.divide(1.0, leaving, out=np.zeros_like(leaving), where=leaving > 0)
        total = counts.start.sum(axis=0)  # every path starts once: all journeys
        start = counts.start / np.where(total > 0, total, 1.0)
        q = counts.pairs * per_visit[self.pair_from]
        return start, q, counts.to_conversion * per_visit, counts.value_out * per_visit

    def __call__(self, conversions: np.ndarray, values: np.ndarray, nulls: np.ndarray) -> ModelOutput:
        column = [np.asarray(counts, dtype=float)[:, None] for counts in (conversions, values, nulls)]
        credits, base, effect = self._evaluate(*column)
        return ModelOutput(
            conversions=credits[0, :, 0],
            values=credits[0, :, 1],
            details={"removal_effect": effect[0, :, 0], "removal_effect_value": effect[0, :, 1]},
            stats={
                "conversion_probability": float(base[0, 0]),
                "value_per_journey": float(base[0, 1]),
                "states": float(self.n_states),
            },
        )

    def many(self, conversions: np.ndarray, values: np.ndarray, nulls: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Credited conversions and values, shape (k, channels), for per-path counts of shape (paths, k)."""
        credits, _, _ = self._evaluate(conversions, values, nulls)
        return credits[:, :, 0], credits[:, :, 1]

    def _evaluate(
        self, conversions: np.ndarray, values: np.ndarray, nulls: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per chain: credited [conversions, value] per channel (k, channels, 2), [P(conversion), value per journey]
        (k, 2), and the removal effects of both (k, channels, 2)."""
        counts = self.counts(conversions, values, nulls)
        start, q, r_conv, r_value = self.transition_probabilities(counts)
        rewards = np.stack([r_conv.T, r_value.T], axis=-1)  # (k, states, 2)
        if self.n_states <= DENSE_STATES:
            base, removed = _dense_removals(self._matrices(q), start.T, rewards, self.removable)
        else:
            base, removed = _sparse_removals(self, start.T, q.T, rewards)
        with np.errstate(divide="ignore", invalid="ignore"):
            effect = np.where(base[:, None, :] > 0, 1.0 - removed / base[:, None, :], 0.0)
        # Removal can only lose probability: clip, and snap rounding noise (a channel on no converting path) to 0.
        effect = np.clip(effect, 0.0, 1.0)
        effect[effect < 1e-12] = 0.0
        # Every conversion and its value leave through an end state: totals from the small states × k counts.
        totals = np.stack([counts.to_conversion.sum(axis=0), counts.value_out.sum(axis=0)], axis=-1)  # (k, 2)
        weight = effect.sum(axis=1, keepdims=True)
        credits = np.divide(totals[:, None, :] * effect, weight, out=np.zeros_like(effect), where=weight > 0)
        return credits, base, effect

    def _matrices(self, q: np.ndarray) -> np.ndarray:
        """``I − Q`` for each of the k chains, dense: (k, states, states)."""
        k, s = q.shape[1], self.n_states
        matrices = np.zeros((k, s, s))
        matrices[:, np.arange(s), np.arange(s)] = 1.0
        matrices[:, self.pair_from, self.pair_to] -= q.T
        return matrices


def _incidence(row: np.ndarray, column: np.ndarray, shape: tuple[int, int]) -> sp.csc_matrix:
    """A count matrix: entry (i, j) is how often ``(row, column) == (i, j)``.

    Small whole numbers, kept as float32 (exact): a product with float32 counts stays float32, one with float64 counts
    is computed in float64. Column-major (CSC), because a product then reads each path's counts once, in order, and
    adds them into the few chain rows, which stay in cache: 2–8× faster than CSR on a million journeys' paths.
    """
    return sp.csc_matrix((np.ones(len(row), dtype=np.float32), (row, column)), shape=shape)


def _float64(counts: np.ndarray) -> np.ndarray:
    return counts.astype(np.float64, copy=False)


def _dense_removals(
    matrices: np.ndarray, start: np.ndarray, rewards: np.ndarray, removable: list[np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """All removals of k chains from one inverse each (the block-inverse identity in the module docstring).

    ``matrices`` (k, s, s) are ``I − Q``, ``start`` (k, s), ``rewards`` (k, s, 2). Returns ``start · A⁻¹ rewards``
    (k, 2) and, per channel, the same with its states deleted (k, channels, 2).
    """
    inverse = np.stack([_inverse(matrix) for matrix in matrices])
    solved = inverse @ rewards  # N r
    reach = (start[:, None, :] @ inverse)[:, 0]  # start · N
    base = np.einsum("ks,ksj->kj", reach, rewards)
    removed = np.empty((len(matrices), len(removable), rewards.shape[2]))
    every = inverse.shape[1]
    for channel, states in enumerate(removable):
        if len(states) == 0:
            removed[:, channel] = base
            continue
        if len(states) == every:
            removed[:, channel] = 0.0
            continue
        # u = start, w = rewards, both zero on the removed states R: start_K (A_KK)⁻¹ r_K = uNw − (uN)_R N_RR⁻¹ (Nw)_R
        kept_reach = reach - np.einsum("kr,krs->ks", start[:, states], inverse[:, states])
        kept_solved = solved[:, states] - inverse[:, states][:, :, states] @ rewards[:, states]
        through = np.linalg.solve(inverse[:, states][:, :, states], kept_solved)
        removed[:, channel] = (
            np.einsum("ks,ksj->kj", kept_reach, rewards)
            - np.einsum("kr,krj->kj", kept_reach[:, states], rewards[:, states])
            - np.einsum("kr,krj->kj", kept_reach[:, states], through)
        )
    return base, removed


def _inverse(matrix: np.ndarray) -> np.ndarray:
    """``matrix⁻¹`` by LU (LAPACK getrf/getri through SciPy).

    Not ``np.linalg.inv``: on these small matrices NumPy's bundled multithreaded OpenBLAS spends far more time
    handing work between threads than computing (measured 10–30× slower on a shared 2-core machine).
    """
    lu, pivots, info = lapack.dgetrf(matrix)
    if info == 0:
        inverse, info = lapack.dgetri(lu, pivots)
    if info != 0:
        raise np.linalg.LinAlgError(f"I − Q is singular (LAPACK info {info}); the chain has a state it cannot leave")
    return inverse


def _sparse_removals(
    chain: MarkovChain, start: np.ndarray, q: np.ndarray, rewards: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """As :func:`_dense_removals`, for chains too large for a dense inverse: one sparse solve per removal."""
    k, s = start.shape
    base = np.empty((k, rewards.shape[2]))
    removed = np.empty((k, chain.n_channels, rewards.shape[2]))
    everything = np.ones(s, dtype=bool)
    for replicate in range(k):
        solver = _SparseSolver(s, chain.pair_from, chain.pair_to, q[replicate])
        here, reward = start[replicate], rewards[replicate]
        base[replicate] = here @ solver.solve(np.arange(s), reward)
        for channel, states in enumerate(chain.removable):
            if len(states) == 0:
                removed[replicate, channel] = base[replicate]
                continue
            keep = everything.copy()
            keep[states] = False
            kept = np.flatnonzero(keep)
            removed[replicate, channel] = here[kept] @ solver.solve(kept, reward[kept]) if len(kept) else 0.0
    return base, removed


class _SparseSolver:
    """Solves ``(I − Q)[kept, kept] x = b`` for subsets of the states of a large chain.

    A direct sparse LU fills in badly (a 4th-order chain on 10 channels: 9,000 states, seconds per solve), while
    (I − Q) is an M-matrix whose Krylov solve converges in a few dozen sparse products; GMRES runs to a relative
    residual of 1e-12, and sparse LU takes over if it ever does not get there. Either way the answer is the linear
    system's solution, deterministic, with no sampling.
    """

    def __init__(self, n: int, rows: np.ndarray, cols: np.ndarray, q: np.ndarray) -> None:
        self.matrix = (sp.identity(n, format="csr") - sp.csr_matrix((q, (rows, cols)), shape=(n, n))).tocsr()

    def solve(self, kept: np.ndarray, rhs: np.ndarray) -> np.ndarray:
        block = self.matrix[kept][:, kept].tocsr()
        solution = np.empty_like(rhs)
        for k in range(rhs.shape[1]):
            b = rhs[:, k]
            if not b.any():
                solution[:, k] = 0.0
                continue
            x, info = spla.gmres(block, b, rtol=RESIDUAL, atol=0.0, restart=50, maxiter=200)
            if info != 0 or np.linalg.norm(block @ x - b) > 10 * RESIDUAL * np.linalg.norm(b):
                x = spla.splu(block.tocsc()).solve(b)
            solution[:, k] = x
        return solution
