"""Settings read from an Airflow connection's ``extra``: one clear error naming the connection when one is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.core.errors import ConnectorError


def whole_number(source: str, extra: Mapping[str, Any], conn_id: str, key: str, default: int, *, minimum: int) -> int:
    """The whole number ``extra[key]`` (``default`` when absent), at least ``minimum``."""
    try:
        value = int(extra.get(key, default))
    except (TypeError, ValueError):
        value = minimum - 1
    if value < minimum:
        raise ConnectorError(
            f"{source}: {key} in the extra of Airflow connection '{conn_id}' must be a whole number of at least "
            f"{minimum} (got {extra.get(key)!r})."
        )
    return value
