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
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from attribution.arrays import unique_inverse
from attribution.credits import ModelOutput
from attribution.errors import AttributionError
from attribution.paths import Paths

DENSE_STATES = 500  # up to this many transient states a dense LU; above, a sparse iterative solve (see _Solver)
MAX_ORDER = 10
RESIDUAL = 1e-12  # relative residual of the iterative solve for large chains


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
        self.first_state = state[first]
        self.last_state = state[last]
        moves = np.ones(n, dtype=bool)
        moves[last] = False
        moves = np.flatnonzero(moves)
        self.move_row = rows[moves]
        pair = state[moves] * self.n_states + state[moves + 1]
        pairs, self.move_pair = unique_inverse(pair)
        self.pair_from = pairs // self.n_states
        self.pair_to = pairs % self.n_states
        self.removable = [np.flatnonzero(self.state_channel == c) for c in range(self.n_channels)]

    def transition_probabilities(
        self, conversions: np.ndarray, values: np.ndarray, nulls: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The chain for these per-path counts, per transient state (pairs as ``pair_from``/``pair_to``).

        Returns the start distribution, the transition probability of each state pair (the entries of Q), the
        one-step probability of converting (r) and the expected value collected on leaving each state (r_value).
        """
        s = self.n_states
        journeys = conversions + nulls
        pair_count = np.bincount(self.move_pair, weights=journeys[self.move_row], minlength=len(self.pair_from))
        to_conversion = np.bincount(self.last_state, weights=conversions, minlength=s)
        to_null = np.bincount(self.last_state, weights=nulls, minlength=s)
        value_out = np.bincount(self.last_state, weights=values, minlength=s)
        leaving = np.bincount(self.pair_from, weights=pair_count, minlength=s) + to_conversion + to_null
        per_visit = np.divide(1.0, leaving, out=np.zeros(s), where=leaving > 0)
        start = np.bincount(self.first_state, weights=journeys, minlength=s)
        total = journeys.sum()
        start = start / total if total > 0 else start
        return start, pair_count * per_visit[self.pair_from], to_conversion * per_visit, value_out * per_visit

    def __call__(self, conversions: np.ndarray, values: np.ndarray, nulls: np.ndarray) -> ModelOutput:
        c = self.n_channels
        total_conversions, total_value = float(conversions.sum()), float(values.sum())
        if total_conversions <= 0:
            zeros = np.zeros(c)
            return ModelOutput(
                zeros,
                zeros.copy(),
                {"removal_effect": zeros.copy(), "removal_effect_value": zeros.copy()},
                {"conversion_probability": 0.0, "value_per_journey": 0.0, "states": float(self.n_states)},
            )
        start, q, r_conv, r_value = self.transition_probabilities(conversions, values, nulls)
        solver = _Solver(self.n_states, self.pair_from, self.pair_to, q)
        rewards = np.column_stack([r_conv, r_value])
        base = start @ solver.solve(np.arange(self.n_states), rewards)  # [P(conversion), value per journey]
        removed = np.empty((c, 2))
        everything = np.ones(self.n_states, dtype=bool)
        for channel, states in enumerate(self.removable):
            if len(states) == 0:
                removed[channel] = base
                continue
            keep = everything.copy()
            keep[states] = False
            kept = np.flatnonzero(keep)
            removed[channel] = start[kept] @ solver.solve(kept, rewards[kept]) if len(kept) else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            effect = np.where(base > 0, 1.0 - removed / base, 0.0)
        # Removal can only lose probability: clip, and snap rounding noise (a channel on no converting path) to 0.
        effect = np.clip(effect, 0.0, 1.0)
        effect[effect < 1e-12] = 0.0
        credits = [_share(effect[:, k], total) for k, total in enumerate((total_conversions, total_value))]
        return ModelOutput(
            conversions=credits[0],
            values=credits[1],
            details={"removal_effect": effect[:, 0], "removal_effect_value": effect[:, 1]},
            stats={
                "conversion_probability": float(base[0]),
                "value_per_journey": float(base[1]),
                "states": float(self.n_states),
            },
        )


def _share(effect: np.ndarray, total: float) -> np.ndarray:
    weight = effect.sum()
    return total * effect / weight if weight > 0 else np.zeros_like(effect)


class _Solver:
    """Solves ``(I − Q)[kept, kept] x = b`` for subsets of transient states.

    Up to ``DENSE_STATES`` states: a dense LU. Above (high orders), a direct sparse LU fills in badly (a 4th-order
    chain on 10 channels: 9,000 states, seconds per solve), while (I − Q) is an M-matrix whose Krylov solve converges
    in a few dozen sparse products; GMRES runs to a relative residual of 1e-12, and sparse LU takes over if it ever
    does not get there. Either way the answer is the linear system's solution, deterministic, with no sampling.
    """

    def __init__(self, n: int, rows: np.ndarray, cols: np.ndarray, q: np.ndarray) -> None:
        self.dense = n <= DENSE_STATES
        if self.dense:
            matrix = np.eye(n)
            matrix[rows, cols] -= q
            self.matrix = matrix
        else:
            self.matrix = (sp.identity(n, format="csr") - sp.csr_matrix((q, (rows, cols)), shape=(n, n))).tocsr()

    def solve(self, kept: np.ndarray, rhs: np.ndarray) -> np.ndarray:
        if self.dense:
            return np.linalg.solve(self.matrix[np.ix_(kept, kept)], rhs)
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
