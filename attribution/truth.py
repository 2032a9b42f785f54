"""How far a model's channel shares are from a known truth: the score behind "which model to trust".

The sandbox world publishes each channel's true contribution (``channel_contributions.csv`` of
``purchase-path sandbox truth``, column ``contribution_share``). Both the benchmark on perfect journeys
(bench/attribution_truth.py) and the stakeholder report on the warehouse's own credits (reports/attribution.py)
score models with :func:`score`, so the docs table and the report use one definition:

- **share error**: half the sum over channels of |model share − true share| (total variation distance, in
  percentage points): the share of all credit the model puts on the wrong channels. 0 is perfect.
- **largest miss**: the channel whose share is furthest off, and by how much.
- **rank correlation**: Spearman's ρ between the model's and the true channel ranking.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from attribution.errors import AttributionError

TRUTH_COLUMNS = ("channel", "contribution_share")


def score(shares: pd.Series, truth: pd.Series) -> dict:
    """Score channel ``shares`` against ``truth`` (both indexed by channel, on the same channels, each summing to 1).

    Returns ``share_error`` (percentage points), ``largest_miss`` (``"<channel> <±pp>"``) and
    ``rank_correlation`` (Spearman's ρ; NaN when either side ranks all channels alike).
    """
    difference = (shares - truth).abs()
    worst = difference.idxmax()
    rho = pd.Series(shares).rank().corr(pd.Series(truth).rank())
    return {
        "share_error": 50 * difference.sum(),  # ½ Σ |Δ| in percentage points
        "largest_miss": f"{worst} {100 * (shares[worst] - truth[worst]):+.1f}",
        "rank_correlation": rho,
    }


def align(shares: pd.Series, truth: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Put ``shares`` and ``truth`` on the union of their channels (0 where one side lacks a channel), each
    rescaled to sum to 1, so that credit on a channel the truth does not know counts as misplaced."""
    channels = truth.index.union(shares.index, sort=False)
    shares = shares.reindex(channels, fill_value=0.0).astype(float)
    truth = truth.reindex(channels, fill_value=0.0).astype(float)
    return shares / shares.sum(), truth / truth.sum()


def load_true_shares(path: Path | str) -> pd.Series:
    """The true channel shares of a ``channel_contributions.csv``, indexed by channel.

    Raises:
        AttributionError: the file is missing or lacks the columns ``channel`` and ``contribution_share``.
    """
    path = Path(path)
    try:
        frame = pd.read_csv(path)
    except FileNotFoundError as error:
        raise AttributionError(
            f"the truth file {path} does not exist (write it with `purchase-path sandbox truth`)"
        ) from error
    missing = [column for column in TRUTH_COLUMNS if column not in frame.columns]
    if missing:
        raise AttributionError(f"the truth file {path} lacks the column(s) {', '.join(missing)}")
    shares = frame.set_index("channel")["contribution_share"].fillna(0.0).astype(float)
    if not shares.sum() > 0:
        raise AttributionError(f"the truth file {path} gives no channel a contribution")
    return shares / shares.sum()
