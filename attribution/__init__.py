"""Multi-touch attribution on journeys in the common aggregated path format.

>>> import attribution
>>> paths = attribution.load_paths("paths.csv")                      # doctest: +SKIP
>>> attribution.attribute(paths, "markov", order=2).to_frame()      # doctest: +SKIP
>>> attribution.bootstrap(paths, "shapley", replicates=200, seed=1)  # doctest: +SKIP

Models: first_touch, last_touch, last_non_direct, linear, time_decay, position_based (rule-based) and markov,
shapley (data-driven). See docs/attribution.md for each model's definition.
"""

from attribution.credits import Credits, Interval, ModelOutput
from attribution.errors import AttributionError
from attribution.models import DATA_DRIVEN, MODELS, attribute, model_options, prepare
from attribution.paths import Paths, from_frame, load_paths
from attribution.shapley import shapley_values, subset_sums
from attribution.uncertainty import bootstrap

__all__ = [
    "DATA_DRIVEN",
    "MODELS",
    "AttributionError",
    "Credits",
    "Interval",
    "ModelOutput",
    "Paths",
    "attribute",
    "bootstrap",
    "from_frame",
    "load_paths",
    "model_options",
    "prepare",
    "shapley_values",
    "subset_sums",
]
