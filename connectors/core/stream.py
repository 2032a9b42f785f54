"""Streams are data: what a source serves, keyed and cursored. The request loop is written once, in sync.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from purchase_path.warehouse import Warehouse

Record = dict[str, Any]


@dataclass(frozen=True)
class Stream:
    """One kind of record a source serves, landing in ``raw.<source>__<name>``.

    ``children`` are streams fetched together with this one (e.g. a deal's associations): they land in their own
    raw tables, in the same transaction, under this stream's bookmark.

    ``known_fields`` are the fields its records are known to hold, as dotted paths (``"id"``,
    ``"properties.email"``; a parent named in a path has its own keys checked too): any other field is schema
    drift, kept in the payload and reported. None: not declared, no drift reported. ``required_fields`` are those
    a record cannot be loaded without (its key, its cursor): a record where one is missing or null is quarantined.
    """

    name: str
    primary_key: Callable[[Record], str]
    cursor: Callable[[Record], datetime | None]
    lookback: timedelta = timedelta(0)
    children: Sequence[Stream] = field(default_factory=tuple)
    known_fields: frozenset[str] | None = None
    required_fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Window:
    """The slice of a stream's history one sync asks for: ``start`` (None = from the beginning) to ``end``."""

    start: datetime | None
    end: datetime


@dataclass(frozen=True)
class Page:
    """One page of a stream, with the records of its child streams fetched for it."""

    records: Sequence[Record]
    children: Mapping[str, Sequence[Record]] = field(default_factory=dict)


class Source(Protocol):
    """What a connector module provides."""

    name: str
    streams: Sequence[Stream]

    def pages(self, stream: Stream, window: Window) -> Iterator[Page]:
        """Yield the stream's records in the window, oldest cursor first."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class ReadsWarehouse(Protocol):
    """A source that must see the warehouse it loads into (the offline drops ask which file versions it holds)."""

    def use_warehouse(self, warehouse: Warehouse) -> None: ...
