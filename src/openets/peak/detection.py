"""Peak detection: has a series of yearly CO2 emissions peaked, reached a plateau, or not yet?

The rule (DESIGN.md, "Carbon peaking": a peak is confirmed by a sustained decline), with its
three parameters in :class:`PeakRule`:

1. Years without a value are left out (no interpolation); years count as calendar years.
2. **Robust level.** A single year cannot make or hide a peak: the level of year *k* is the
   median of its value and its neighbours'. The first year's level is the lower of its value
   and the next one (it has no earlier neighbour to confirm it); the last year's level is its
   value (a last-year spike only says the series is still rising, which it is anyway). A
   one-year spike or dip (2009, 2020) is replaced by the level of the years around it.
3. **Peak.** The robust peak level ``M`` is the highest level. The peak year is, among the
   years at that level and their neighbours, the one with the highest reported value (the
   latest on a tie: a decline counts from the last time the maximum was reached).
   ``peak_value`` is the reported value of that year.
4. **peaked**: the peak year is at least ``min_years_after`` years before the last year, and
   both the last value and the robust level of the year before it are at least
   ``min_decline_pct`` % below ``M`` (so a one-year dip in the last year does not confirm a
   decline, and a one-year spike in the year before does not hide one).
5. **plateau**: not peaked, the series spans at least ``min_years_after`` years, and every
   robust level of the last ``min_years_after`` years (``last_year - min_years_after`` to
   ``last_year``) is within ``plateau_pct`` % of ``M``.
6. **not_peaked** otherwise (also a series too short to show either).

``decline_from_peak_pct`` is reported from the reported values:
``(peak_value - last_value) / |peak_value| × 100`` (positive when emissions fell, also for a
net sink whose peak is negative; 0 when the peak value is 0).

:func:`detect` works on one series in plain Python (the reference); :func:`detect_many` does
the same for many series at once with NumPy (the benchmark compares the two).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from openets.errors import InvalidInput

__all__ = ["PeakFinding", "PeakRule", "PeakStatus", "detect", "detect_many"]


class PeakStatus(StrEnum):
    PEAKED = "peaked"
    PLATEAU = "plateau"
    NOT_PEAKED = "not_peaked"


@dataclass(frozen=True, slots=True)
class PeakRule:
    """The rule's parameters: years after the maximum, the decline that confirms it (percent
    of the peak level) and the band of a plateau (percent of the peak level)."""

    min_years_after: int = 5
    min_decline_pct: float = 5.0
    plateau_pct: float = 3.0

    def __post_init__(self) -> None:
        if isinstance(self.min_years_after, bool) or not 1 <= self.min_years_after <= 50:
            raise InvalidInput(f"min_years_after must be 1-50, got {self.min_years_after!r}")
        for name in ("min_decline_pct", "plateau_pct"):
            value = getattr(self, name)
            if not (math.isfinite(value) and 0 <= value < 100):
                raise InvalidInput(f"{name} must be a percentage in [0, 100), got {value!r}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "min_years_after": self.min_years_after,
            "min_decline_pct": self.min_decline_pct,
            "plateau_pct": self.plateau_pct,
            "smoothing": "median of each year and its neighbours",
        }


@dataclass(frozen=True, slots=True)
class PeakFinding:
    """The status of one series and its evidence (values in the series' unit)."""

    status: PeakStatus
    peak_year: int
    peak_value: float
    last_year: int
    last_value: float
    #: (peak_value - last_value) / |peak_value| × 100, from the reported values
    decline_from_peak_pct: float
    #: the robust peak level M the status was decided on
    peak_level: float


def _clean(years: Sequence[int], values: Sequence[float | None]) -> tuple[list[int], list[float]]:
    if len(years) != len(values):
        raise InvalidInput("years and values must have the same length")
    pairs = sorted((int(y), float(v)) for y, v in zip(years, values, strict=True) if v is not None)
    pairs = [(y, v) for y, v in pairs if not math.isnan(v)]
    for (a, _), (b, _) in itertools.pairwise(pairs):
        if a == b:
            raise InvalidInput(f"year {a} appears twice in one series")
    if not pairs:
        raise InvalidInput("a series needs at least one year with a value")
    return [y for y, _ in pairs], [v for _, v in pairs]


def robust_levels(values: Sequence[float]) -> list[float]:
    """Median of each value and its neighbours; the first year the lower of the first two
    values, the last year its own value."""
    n = len(values)
    if n == 1:
        return [values[0]]
    levels = [min(values[0], values[1])]
    for k in range(1, n - 1):
        levels.append(sorted(values[k - 1 : k + 2])[1])
    levels.append(values[-1])
    return levels


def _pct(peak: float, value: float) -> float:
    return (peak - value) / abs(peak) * 100 if peak != 0 else 0.0


def detect(
    years: Sequence[int], values: Sequence[float | None], rule: PeakRule | None = None
) -> PeakFinding:
    """Peak status of one yearly series (missing values as ``None`` or NaN)."""
    rule = rule or PeakRule()
    ys, xs = _clean(years, values)
    levels = robust_levels(xs)
    top = max(levels)
    at_top = {k for k in range(len(xs)) if levels[k] == top}
    near = {j for k in at_top for j in (k - 1, k, k + 1) if 0 <= j < len(xs)}
    peak = max(near, key=lambda k: (xs[k], ys[k]))
    last = len(xs) - 1
    # the last value and the level of the year before it (a one-year spike there is
    # smoothed away, a dip in the last year is not)
    recent = max(xs[-1], levels[-2]) if len(xs) > 1 else xs[-1]
    n = rule.min_years_after
    peaked = (
        ys[last] - ys[peak] >= n and top > 0 and recent <= top * (1 - rule.min_decline_pct / 100)
    )
    plateau = (
        not peaked
        and ys[last] - ys[0] >= n
        and all(
            abs(levels[k] - top) <= abs(top) * rule.plateau_pct / 100
            for k in range(len(xs))
            if ys[k] >= ys[last] - n
        )
    )
    status = (
        PeakStatus.PEAKED if peaked else PeakStatus.PLATEAU if plateau else PeakStatus.NOT_PEAKED
    )
    return PeakFinding(
        status, ys[peak], xs[peak], ys[last], xs[last], _pct(xs[peak], xs[last]), top
    )


# --- many series at once (NumPy) -------------------------------------------------------------

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class PeakTable:
    """:func:`detect_many`'s answer, one entry per series in ``labels`` order (column-wise)."""

    labels: tuple[str, ...]
    status: tuple[PeakStatus, ...]
    peak_year: IntArray
    peak_value: FloatArray
    last_year: IntArray
    last_value: FloatArray
    decline_from_peak_pct: FloatArray
    peak_level: FloatArray

    def finding(self, index: int) -> PeakFinding:
        return PeakFinding(
            self.status[index],
            int(self.peak_year[index]),
            float(self.peak_value[index]),
            int(self.last_year[index]),
            float(self.last_value[index]),
            float(self.decline_from_peak_pct[index]),
            float(self.peak_level[index]),
        )


def _levels_many(x: FloatArray, first: BoolArray, last: BoolArray) -> FloatArray:
    """:func:`robust_levels` of consecutive series at once (``first``/``last`` mark their
    first and last rows): median of three inside, lower of two at the start, raw at the end."""
    prev = np.r_[x[0], x[:-1]]
    nxt = np.r_[x[1:], x[-1]]
    prev = np.where(first, nxt, prev)
    nxt = np.where(last, prev, nxt)
    median = np.maximum(np.minimum(prev, x), np.minimum(np.maximum(prev, x), nxt))
    levels = np.where(first, np.minimum(x, nxt), median)
    return np.where(last, x, levels)


_STATUSES = (PeakStatus.NOT_PEAKED, PeakStatus.PLATEAU, PeakStatus.PEAKED)


def detect_many(
    labels: Sequence[str],
    years: npt.ArrayLike,
    values: npt.ArrayLike,
    rule: PeakRule | None = None,
) -> PeakTable:
    """:func:`detect` for every series at once: row ``i`` is year ``years[i]`` of series
    ``labels[i]`` with ``values[i]`` (NaN for missing). Series come out sorted by label; the
    same year twice in a series is refused."""
    rule = rule or PeakRule()
    y = np.asarray(years, dtype=np.int64)
    x = np.asarray(values, dtype=np.float64)
    names = np.asarray(labels, dtype=object)
    if not (len(names) == len(y) == len(x)):
        raise InvalidInput("labels, years and values must have the same length")
    keep = ~np.isnan(x)
    names, y, x = names[keep], y[keep], x[keep]
    uniques, group = np.unique(names.astype(str), return_inverse=True)
    order = np.lexsort((y, group))
    g, y, x = group[order], y[order], x[order]
    count = len(uniques)
    if count == 0:
        return PeakTable((), (), *(np.empty(0) for _ in range(6)))  # type: ignore[arg-type]
    starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    ends = np.r_[starts[1:], len(g)] - 1
    same = g[1:] == g[:-1]
    if np.any(same & (y[1:] == y[:-1])):
        bad = int(np.flatnonzero(same & (y[1:] == y[:-1]))[0])
        raise InvalidInput(f"year {int(y[bad])} appears twice in series {str(uniques[g[bad]])!r}")

    first = np.zeros(len(x), dtype=bool)
    first[starts] = True
    lastmask = np.zeros(len(x), dtype=bool)
    lastmask[ends] = True
    levels = _levels_many(x, first, lastmask)

    top = np.maximum.reduceat(levels, starts)
    at_top = levels == top[g]
    near = at_top.copy()
    near[1:] |= at_top[:-1] & ~first[1:]
    near[:-1] |= at_top[1:] & ~lastmask[:-1]
    # highest reported value among the years at the top level and their neighbours, the
    # latest on a tie: rows are sorted by year, so the last row with the highest value wins
    candidate = np.where(near, x, -np.inf)
    best = np.maximum.reduceat(candidate, starts)
    rows = np.arange(len(x))
    chosen = np.where(near & (candidate == best[g]), rows, -1)
    peak = np.maximum.reduceat(chosen, starts)

    first_year, last_year = y[starts], y[ends]
    last_value = x[ends]
    two = np.maximum(x[ends], levels[np.maximum(ends - 1, starts)])
    n = rule.min_years_after
    peaked = (
        (last_year - y[peak] >= n) & (top > 0) & (two <= top * (1 - rule.min_decline_pct / 100))
    )
    in_window = y >= (last_year - n)[g]
    off = (np.abs(levels - top[g]) > np.abs(top[g]) * rule.plateau_pct / 100) & in_window
    any_off = np.add.reduceat(off.astype(np.int64), starts) > 0
    plateau = ~peaked & (last_year - first_year >= n) & ~any_off
    code = np.where(peaked, 2, np.where(plateau, 1, 0))
    peak_value = x[peak]
    with np.errstate(divide="ignore", invalid="ignore"):
        decline = np.where(
            peak_value != 0, (peak_value - last_value) / np.abs(peak_value) * 100, 0.0
        )
    return PeakTable(
        tuple(str(u) for u in uniques),
        tuple(_STATUSES[c] for c in code.tolist()),
        y[peak],
        peak_value,
        last_year,
        last_value,
        decline,
        top,
    )
