"""Journeys in the common aggregated path format, parsed once into integer arrays.

The format (the one ChannelAttribution, marketing-attribution-models and GA's top-conversion-paths export share):

==========================  ========  =================================================================
column                      required  meaning
==========================  ========  =================================================================
``path``                    yes       channels in touch order joined by ``>``, e.g. ``email > paid_search > direct``
``total_conversions``       yes       journeys with this path that converted (a count, >= 0)
``total_conversion_value``  no (0)    revenue of those conversions (>= 0)
``total_null``              no (0)    journeys with this path that did not convert (a count, >= 0)
``days_before_conversion``  no        per touch, days before the conversion, ``>``-separated and aligned
                                      with ``path``, e.g. ``12 > 3 > 0`` (needed by ``time_decay`` only);
                                      ``hours_before_conversion`` is accepted instead and divided by 24
==========================  ========  =================================================================

Identical paths are merged on load (rows that also carry touch times merge only when the times are identical
too), channel names are encoded as integers in alphabetical order, and the touches of all paths are kept in one
flat array with CSR-style offsets, so every model is a handful of vectorised numpy passes.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import IO

import numpy as np
import pandas as pd

from attribution.arrays import first_occurrences, ragged_take
from attribution.errors import AttributionError

PATH = "path"
CONVERSIONS = "total_conversions"
VALUE = "total_conversion_value"
NULLS = "total_null"
DAYS = "days_before_conversion"
HOURS = "hours_before_conversion"
DEFAULT_SEP = ">"
EXPECTED_COLUMNS = f"{PATH}, {CONVERSIONS} and optionally {VALUE}, {NULLS}, {DAYS}"


@dataclass(frozen=True, eq=False)
class Paths:
    """Aggregated journeys as arrays.

    Path ``i`` is ``touches[offsets[i]:offsets[i + 1]]`` (channel codes, indexes into ``channels``); the per-path
    arrays ``conversions``, ``values`` and ``nulls`` hold the counts and revenue of the journeys that took it.
    ``days`` (optional) is aligned with ``touches``: days from each touch to the conversion.
    """

    channels: tuple[str, ...]
    offsets: np.ndarray
    touches: np.ndarray
    conversions: np.ndarray
    values: np.ndarray
    nulls: np.ndarray
    days: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.offsets) - 1
        if n < 0 or self.offsets[0] != 0 or self.offsets[-1] != len(self.touches):
            raise AttributionError("offsets must start at 0 and end at len(touches)")
        if n and np.any(np.diff(self.offsets) < 1):
            raise AttributionError("every path needs at least one touch")
        for name in ("conversions", "values", "nulls"):
            array = getattr(self, name)
            if array.shape != (n,):
                raise AttributionError(f"{name} must have one entry per path ({n}), not shape {array.shape}")
            if not np.all(np.isfinite(array)) or np.any(array < 0):
                raise AttributionError(f"{name} must be finite and >= 0")
        if len(self.touches) and (self.touches.min() < 0 or self.touches.max() >= len(self.channels)):
            raise AttributionError("touches must be codes into channels")
        if self.days is not None and self.days.shape != self.touches.shape:
            raise AttributionError("days must have one entry per touch")

    @property
    def n_paths(self) -> int:
        return len(self.offsets) - 1

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    @property
    def journeys(self) -> np.ndarray:
        """Journeys per path: converted plus not converted."""
        return self.conversions + self.nulls

    @cached_property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @cached_property
    def row_of_touch(self) -> np.ndarray:
        """For every touch, the index of its path."""
        return np.repeat(np.arange(self.n_paths, dtype=np.int64), self.lengths)

    def path(self, i: int) -> list[str]:
        return [self.channels[c] for c in self.touches[self.offsets[i] : self.offsets[i + 1]]]

    def to_frame(self) -> pd.DataFrame:
        """The paths back in the common aggregated format (one row per distinct path)."""
        names = np.asarray(self.channels, dtype=object)
        spans = list(zip(self.offsets[:-1].tolist(), self.offsets[1:].tolist(), strict=True))
        frame = pd.DataFrame(
            {
                PATH: [" > ".join(names[self.touches[a:b]]) for a, b in spans],
                CONVERSIONS: self.conversions,
                VALUE: self.values,
                NULLS: self.nulls,
            }
        )
        if self.days is not None:
            frame[DAYS] = [" > ".join(f"{d:g}" for d in self.days[a:b]) for a, b in spans]
        return frame

    @classmethod
    def from_sequences(
        cls,
        sequences: Sequence[Sequence[str]],
        conversions: Sequence[float],
        values: Sequence[float] | None = None,
        nulls: Sequence[float] | None = None,
        days: Sequence[Sequence[float]] | None = None,
    ) -> Paths:
        """Build from Python lists, e.g. ``Paths.from_sequences([["email", "direct"]], conversions=[3])``."""
        for sequence in sequences:
            for channel in sequence:
                if DEFAULT_SEP in channel:
                    raise AttributionError(f"channel name {channel!r} contains {DEFAULT_SEP!r}, the path separator")
        frame = pd.DataFrame({PATH: [" > ".join(s) for s in sequences], CONVERSIONS: list(conversions)})
        if values is not None:
            frame[VALUE] = list(values)
        if nulls is not None:
            frame[NULLS] = list(nulls)
        if days is not None:
            frame[DAYS] = [" > ".join(repr(float(d)) for d in row) for row in days]
        return from_frame(frame, source="sequences")


def load_paths(source: str | os.PathLike | IO, *, sep: str = DEFAULT_SEP) -> Paths:
    """Read a CSV in the common aggregated path format (a file name, ``-`` for stdin, or an open file)."""
    name = "stdin" if source == "-" else str(getattr(source, "name", source))
    try:
        frame = pd.read_csv(sys.stdin if source == "-" else source, skip_blank_lines=False, skipinitialspace=True)
    except FileNotFoundError:
        raise AttributionError(
            f"{name}: no such file; give the path of a CSV with columns {EXPECTED_COLUMNS}"
        ) from None
    except IsADirectoryError:
        raise AttributionError(f"{name}: is a folder; give the path of a CSV file") from None
    except pd.errors.EmptyDataError:
        raise AttributionError(f"{name}: the file is empty; it needs a header line with {EXPECTED_COLUMNS}") from None
    except pd.errors.ParserError as error:
        raise AttributionError(f"{name}: not a readable CSV ({error})") from None
    except UnicodeDecodeError:
        raise AttributionError(f"{name}: not UTF-8 text; save the CSV as UTF-8") from None
    frame = frame.dropna(how="all")  # blank lines; the index keeps the file's line numbers for messages
    return _from_frame(frame, sep=sep, source=name, describe=lambda i: f"{name} line {frame.index[i] + 2}")


def from_frame(frame: pd.DataFrame, *, sep: str = DEFAULT_SEP, source: str = "input") -> Paths:
    """Build from a DataFrame in the common aggregated path format (e.g. read from the warehouse)."""
    return _from_frame(frame, sep=sep, source=source, describe=lambda i: f"{source} row {frame.index[i]}")


def _from_frame(frame: pd.DataFrame, *, sep: str, source: str, describe: Callable[[int], str]) -> Paths:
    if not sep:
        raise AttributionError("the path separator must not be empty; the common format uses '>'")
    columns = {str(c).strip().lower(): c for c in frame.columns}

    def column(name: str) -> pd.Series | None:
        return frame[columns[name]] if name in columns else None

    for required in (PATH, CONVERSIONS):
        if required not in columns:
            have = ", ".join(map(str, frame.columns)) or "none"
            raise AttributionError(
                f"{source}: missing column {required!r} (the columns are: {have}); expected {EXPECTED_COLUMNS}"
            )
    if len(frame) == 0:
        raise AttributionError(f"{source}: no journeys; add at least one row under the header")

    conversions = _counts(column(CONVERSIONS), CONVERSIONS, describe, len(frame))
    values = _counts(column(VALUE), VALUE, describe, len(frame))
    nulls = _counts(column(NULLS), NULLS, describe, len(frame))
    orphan = (values > 0) & (conversions == 0)
    if orphan.any():
        i = int(np.argmax(orphan))
        raise AttributionError(
            f"{describe(i)}: {VALUE} is {values[i]:g} but {CONVERSIONS} is 0; "
            "only converted journeys can carry conversion value"
        )

    row_path, path_offsets, path_touches, channels = _parse_paths(column(PATH), sep, describe)
    path_lengths = np.diff(path_offsets)
    canonical = _canonical_ids(path_offsets, path_touches)

    times = column(DAYS)
    scale = 1.0
    time_name = DAYS
    if times is None and HOURS in columns:
        times, scale, time_name = column(HOURS), 1 / 24, HOURS
    if times is None:
        key = canonical[row_path]
    else:
        row_times, time_offsets, time_values = _parse_times(times, sep, describe, time_name)
        time_values = time_values * scale
        mismatch = np.diff(time_offsets)[row_times] != path_lengths[row_path]
        if mismatch.any():
            i = int(np.argmax(mismatch))
            raise AttributionError(
                f"{describe(i)}: {time_name} has {np.diff(time_offsets)[row_times[i]]} values but the path has "
                f"{path_lengths[row_path[i]]} touches; give one number per touch"
            )
        key = canonical[row_path].astype(np.int64) * (len(time_offsets) - 1) + row_times

    group, n_groups = _factorize(key)
    first_row = first_occurrences(group)
    rep_path = row_path[first_row]
    touches, offsets = ragged_take(path_touches, path_offsets[rep_path], path_lengths[rep_path])
    days = None
    if times is not None:
        rep_times = row_times[first_row]
        days, _ = ragged_take(time_values, time_offsets[rep_times], np.diff(time_offsets)[rep_times])
    return Paths(
        channels=channels,
        offsets=offsets,
        touches=touches,
        conversions=np.bincount(group, weights=conversions, minlength=n_groups),
        values=np.bincount(group, weights=values, minlength=n_groups),
        nulls=np.bincount(group, weights=nulls, minlength=n_groups),
        days=days,
    )


def _counts(series: pd.Series | None, name: str, describe: Callable[[int], str], n: int) -> np.ndarray:
    if series is None:
        return np.zeros(n)
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers)
    if bad.any():
        i = int(np.argmax(bad))
        raw = series.iloc[i]
        shown = "empty" if pd.isna(raw) else repr(raw)
        raise AttributionError(f"{describe(i)}: {name} is {shown}, not a number; write a number such as 0 or 12")
    negative = numbers < 0
    if negative.any():
        i = int(np.argmax(negative))
        raise AttributionError(f"{describe(i)}: {name} is {numbers[i]:g}; it cannot be negative")
    return numbers


def _parse_paths(
    series: pd.Series, sep: str, describe: Callable[[int], str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, ...]]:
    """Distinct path strings → (path id per row, offsets, flat channel codes, channel names)."""
    row_path, strings = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
    if (row_path < 0).any():
        raise AttributionError(f"{describe(int(np.argmax(row_path < 0)))}: {_EMPTY_PATH}")
    strings = [s if isinstance(s, str) else str(s) for s in strings]
    lengths = np.fromiter((s.count(sep) for s in strings), dtype=np.int64, count=len(strings)) + 1
    offsets = np.zeros(len(strings) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    token_ids, tokens = pd.factorize(np.asarray(sep.join(strings).split(sep), dtype=object))
    names = [t.strip() for t in tokens]
    if "" in names:
        flat = int(np.argmax(token_ids == names.index("")))
        broken = int(np.searchsorted(offsets, flat, side="right") - 1)
        i = int(np.argmax(row_path == broken))
        if lengths[broken] == 1:
            raise AttributionError(f"{describe(i)}: {_EMPTY_PATH}")
        raise AttributionError(
            f"{describe(i)}: path {strings[broken]!r} has an empty channel between two {sep!r} separators; "
            "remove the extra separator"
        )
    channels = tuple(sorted(set(names)))
    code = {name: i for i, name in enumerate(channels)}
    codes = np.array([code[name] for name in names], dtype=np.int32)
    return row_path.astype(np.int64), offsets, codes[token_ids], channels


_EMPTY_PATH = "path is empty; every journey needs at least one channel, e.g. 'email > direct'"


def _parse_times(
    series: pd.Series, sep: str, describe: Callable[[int], str], name: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    row_times, strings = pd.factorize(series.to_numpy(dtype=object), use_na_sentinel=True)
    hint = f"give one number per touch, e.g. '12 {sep} 3 {sep} 0'"
    if (row_times < 0).any():
        raise AttributionError(f"{describe(int(np.argmax(row_times < 0)))}: {name} is empty; {hint}")
    strings = [s if isinstance(s, str) else repr(s) for s in strings]
    lengths = np.fromiter((s.count(sep) for s in strings), dtype=np.int64, count=len(strings)) + 1
    offsets = np.zeros(len(strings) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    numbers = _fast_numbers(strings, sep, int(offsets[-1]))
    if numbers is None:  # something is off: parse token by token to name it
        tokens = pd.Series(sep.join(strings).split(sep)).str.strip()
        numbers = pd.to_numeric(tokens, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(numbers) | (numbers < 0)
    if bad.any():
        flat = int(np.argmax(bad))
        broken = int(np.searchsorted(offsets, flat, side="right") - 1)
        i = int(np.argmax(row_times == broken))
        token = sep.join(strings).split(sep)[flat].strip()
        raise AttributionError(f"{describe(i)}: {name} {strings[broken]!r} has {token!r}, not a number >= 0; {hint}")
    return row_times.astype(np.int64), offsets, numbers


def _fast_numbers(strings: list[str], sep: str, expected: int) -> np.ndarray | None:
    """All numbers of all time strings through pandas' C parser (one per line), or None if that does not fit."""
    if any("\n" in s or '"' in s for s in strings):
        return None
    text = "\n".join(strings).replace(sep, "\n")
    try:
        column = pd.read_csv(
            io.StringIO(text), header=None, names=["x"], dtype=float, skip_blank_lines=False, skipinitialspace=True
        )["x"]
    except (ValueError, pd.errors.ParserError):
        return None
    return column.to_numpy() if len(column) == expected else None


def _canonical_ids(offsets: np.ndarray, touches: np.ndarray) -> np.ndarray:
    """Merge distinct path strings that spell the same channel sequence (e.g. ``a>b`` and ``a > b``)."""
    raw = touches.astype(np.int32).tobytes()
    keys = [raw[4 * a : 4 * b] for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)]
    ids, _ = pd.factorize(np.asarray(keys, dtype=object))
    return ids.astype(np.int64)


def _factorize(key: np.ndarray) -> tuple[np.ndarray, int]:
    ids, uniques = pd.factorize(key)
    return ids.astype(np.int64), len(uniques)


__all__ = ["Paths", "from_frame", "load_paths"]
