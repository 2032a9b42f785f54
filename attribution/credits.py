"""What a model returns: credited conversions and value per channel, and, after a bootstrap, their intervals."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

import numpy as np
import pandas as pd


@dataclass(frozen=True, eq=False)
class ModelOutput:
    """One evaluation of a model on one set of path counts."""

    conversions: np.ndarray
    values: np.ndarray
    details: dict[str, np.ndarray] = field(default_factory=dict)  # per channel, e.g. removal effects
    stats: dict[str, float] = field(default_factory=dict)  # model-wide numbers, e.g. the conversion probability


Evaluator = Callable[[np.ndarray, np.ndarray, np.ndarray], ModelOutput]
"""A prepared model: ``evaluator(conversions, values, nulls)`` per path → ``ModelOutput`` per channel.

Preparing does the work that depends only on the paths (touch weights, chain structure, coalition masks), so the
bootstrap re-evaluates the same evaluator on resampled counts.
"""


@dataclass(frozen=True, eq=False)
class Interval:
    """Bootstrap percentile intervals per channel."""

    conversions_low: np.ndarray
    conversions_high: np.ndarray
    value_low: np.ndarray
    value_high: np.ndarray
    confidence: float
    replicates: int
    seed: int


@dataclass(frozen=True, eq=False)
class Credits:
    """Credited conversions and conversion value per channel, for one model."""

    model: str
    options: dict[str, object]
    channels: tuple[str, ...]
    conversions: np.ndarray
    conversion_value: np.ndarray
    details: dict[str, np.ndarray] = field(default_factory=dict)
    stats: dict[str, float] = field(default_factory=dict)
    interval: Interval | None = None

    def to_frame(self, *, details: bool = False) -> pd.DataFrame:
        """``channel, conversions, conversion_value`` (+ interval columns after a bootstrap, + model details)."""
        frame = pd.DataFrame(
            {"channel": list(self.channels), "conversions": self.conversions, "conversion_value": self.conversion_value}
        )
        if self.interval is not None:
            frame["conversions_low"] = self.interval.conversions_low
            frame["conversions_high"] = self.interval.conversions_high
            frame["conversion_value_low"] = self.interval.value_low
            frame["conversion_value_high"] = self.interval.value_high
        if details:
            for name, column in self.details.items():
                frame[name] = column
        return frame

    def to_csv(self, target: str | os.PathLike | IO, *, details: bool = False) -> None:
        self.to_frame(details=details).to_csv(target, index=False, float_format="%.15g")
