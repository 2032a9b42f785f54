"""The model registry: names, their options and defaults, and ``attribute()``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from attribution import rules
from attribution.credits import Credits, Evaluator, Interval, ModelOutput
from attribution.errors import AttributionError
from attribution.markov import MarkovChain
from attribution.paths import Paths
from attribution.shapley import shapley

# model → (builder, options with their defaults)
_REGISTRY: dict[str, tuple[Callable[..., Evaluator], dict[str, Any]]] = {
    "first_touch": (rules.first_touch, {}),
    "last_touch": (rules.last_touch, {}),
    "last_non_direct": (rules.last_non_direct, {"direct_channel": "direct"}),
    "linear": (rules.linear, {}),
    "time_decay": (rules.time_decay, {"half_life": 7.0}),
    "position_based": (rules.position_based, {"position_weights": (0.4, 0.2, 0.4)}),
    "markov": (MarkovChain, {"order": 1, "collapse_repeats": False}),
    "shapley": (shapley, {"value_function": "conversions", "method": "auto", "max_channels": 20}),
}

MODELS: tuple[str, ...] = tuple(_REGISTRY)
DATA_DRIVEN: tuple[str, ...] = ("markov", "shapley")


def model_options(model: str) -> dict[str, Any]:
    """The options ``model`` takes, with their defaults."""
    _check_model(model)
    return dict(_REGISTRY[model][1])


def resolve_options(model: str, options: dict[str, Any]) -> dict[str, Any]:
    defaults = model_options(model)
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        takes = f"it takes: {', '.join(defaults)}" if defaults else "it takes no options"
        raise AttributionError(f"option {unknown[0]!r} does not apply to model {model!r}; {takes}")
    return {**defaults, **options}


def prepare(paths: Paths, model: str, **options: Any) -> Evaluator:
    """Do the path-dependent work of ``model`` once; the result evaluates any per-path counts."""
    settings = resolve_options(model, options)
    return _REGISTRY[model][0](paths, **settings)


def attribute(paths: Paths, model: str, **options: Any) -> Credits:
    """Credit ``paths``' conversions and conversion value to channels with ``model``.

    >>> attribute(paths, "markov", order=2).to_frame()  # doctest: +SKIP
    """
    settings = resolve_options(model, options)
    output = _REGISTRY[model][0](paths, **settings)(paths.conversions, paths.values, paths.nulls)
    return credits_from(paths, model, settings, output)


def credits_from(
    paths: Paths, model: str, settings: dict[str, Any], output: ModelOutput, interval: Interval | None = None
) -> Credits:
    return Credits(
        model=model,
        options=settings,
        channels=paths.channels,
        conversions=output.conversions,
        conversion_value=output.values,
        details=output.details,
        stats=output.stats,
        interval=interval,
    )


def _check_model(model: str) -> None:
    if model not in _REGISTRY:
        raise AttributionError(f"unknown model {model!r}; choose one of: {', '.join(MODELS)}")
