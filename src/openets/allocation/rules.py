"""The pure allocation rules: method results, free share, the cap, true-up, entrants, closures.

No I/O happens here and no jurisdiction configuration is read: every factor is an explicit
parameter, so the configuration layer and the services decide where the figures come from.

Methods (all factors are ``Decimal``, products are exact):

- benchmark: ``output × benchmark × adjustment factor``;
- historical intensity: ``output × base-period intensity × decline factor``;
- historical emissions: ``base-period emissions × decline factor``;
- data centre: ``IT electricity (MWh) × 0.9441 × decline factor`` (the 0.9441 a parameter).

Rounding, in one place (:func:`entitlement` and :func:`split_free`):

- an entity's entitlement is its exact method result rounded **half-up** to whole tonnes, the
  same rule as the MRV compliance figure, so x.5 t always counts for the entity;
- the free part is ``floor(entitlement × free share)`` and the auction reserve is the rest, so
  free + reserve = entitlement exactly and the free part never exceeds the configured share
  (a fraction of a tonne goes to the auction, never to free allocation);
- part-year amounts (new entrants, closures) round **down** what the entity keeps, so it never
  keeps more than its exact pro-rata right; what is taken back is the rest;
- over the cap, entitlements are scaled to the cap by the largest-remainder method
  (:func:`scale_to_cap`): the sum is then exactly the cap, no entity gains, ties go to the
  larger entitlement and then to the lower entity id, so the result is deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, Inexact
from enum import StrEnum

from openets.errors import InvalidInput
from openets.mrv.calc import EXACT

__all__ = [
    "DATA_CENTRE_FACTOR",
    "Allocation",
    "AllocationInput",
    "Closure",
    "Deduction",
    "EntityAllocation",
    "Method",
    "allocate",
    "apply_deduction",
    "benchmark",
    "closure",
    "data_centre",
    "entitlement",
    "historical_emissions",
    "historical_intensity",
    "method_result",
    "new_entrant",
    "part_year",
    "scale_to_cap",
    "split_free",
    "true_up",
]

#: tCO2 per MWh of IT electricity in the data-centre rule (DESIGN.md: check per year's notice)
DATA_CENTRE_FACTOR = Decimal("0.9441")
_ZERO = Decimal(0)
_ONE = Decimal(1)


class Method(StrEnum):
    BENCHMARK = "benchmark"
    HISTORICAL_INTENSITY = "historical_intensity"
    HISTORICAL_EMISSIONS = "historical_emissions"
    DATA_CENTRE = "data_centre"


def _times(*factors: Decimal) -> Decimal:
    result = _ONE
    try:
        for factor in factors:
            result = EXACT.multiply(result, factor)
    except Inexact:
        raise InvalidInput(
            "the allocation inputs have too many digits to compute exactly"
        ) from None
    return result


def _non_negative(name: str, value: Decimal) -> Decimal:
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        raise InvalidInput(f"{name} must be a number, not {value!r}")
    value = Decimal(value)
    if not value.is_finite() or value < _ZERO:
        raise InvalidInput(f"{name} must be a finite number ≥ 0, not {value}")
    return value


def _share(name: str, value: Decimal) -> Decimal:
    value = _non_negative(name, value)
    if value > _ONE:
        raise InvalidInput(f"{name} must be between 0 and 1, not {value}")
    return value


def _tonnes(name: str, value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(f"{name} must be a whole number of tonnes ≥ 0, not {value!r}")
    return value


def benchmark(output: Decimal, benchmark_value: Decimal, adjustment: Decimal) -> Decimal:
    """``output × benchmark × adjustment factor``, exact."""
    return _times(
        _non_negative("output", output),
        _non_negative("benchmark", benchmark_value),
        _non_negative("adjustment factor", adjustment),
    )


def historical_intensity(output: Decimal, intensity: Decimal, decline: Decimal) -> Decimal:
    """``output × base-period intensity × decline factor``, exact."""
    return _times(
        _non_negative("output", output),
        _non_negative("base-period intensity", intensity),
        _non_negative("decline factor", decline),
    )


def historical_emissions(base_emissions: Decimal, decline: Decimal) -> Decimal:
    """``base-period emissions × decline factor``, exact."""
    return _times(
        _non_negative("base-period emissions", base_emissions),
        _non_negative("decline factor", decline),
    )


def data_centre(it_mwh: Decimal, decline: Decimal, factor: Decimal = DATA_CENTRE_FACTOR) -> Decimal:
    """``IT electricity (MWh) × factor (default 0.9441) × decline factor``, exact."""
    return _times(
        _non_negative("IT electricity", it_mwh),
        _non_negative("data-centre factor", factor),
        _non_negative("decline factor", decline),
    )


@dataclass(frozen=True, slots=True)
class AllocationInput:
    """One entity's allocation inputs. Only the fields its method uses need a value.

    ``output`` is the activity level of the method (production for benchmark and intensity,
    IT electricity in MWh for data centres); ``factor`` is the benchmark (benchmark method),
    the base-period intensity (intensity method) or base-period emissions (emissions method);
    ``adjustment`` is the adjustment factor (benchmark) or the decline factor (all others).
    """

    entity: str
    method: Method
    free_share: Decimal
    output: Decimal = _ZERO
    factor: Decimal = _ZERO
    adjustment: Decimal = _ONE
    data_centre_factor: Decimal = DATA_CENTRE_FACTOR


def method_result(item: AllocationInput) -> Decimal:
    """The exact (unrounded) tonnes the entity's method gives."""
    if item.method is Method.BENCHMARK:
        return benchmark(item.output, item.factor, item.adjustment)
    if item.method is Method.HISTORICAL_INTENSITY:
        return historical_intensity(item.output, item.factor, item.adjustment)
    if item.method is Method.HISTORICAL_EMISSIONS:
        return historical_emissions(item.factor, item.adjustment)
    if item.method is Method.DATA_CENTRE:
        return data_centre(item.output, item.adjustment, item.data_centre_factor)
    raise InvalidInput(f"unknown allocation method {item.method!r}")  # pragma: no cover


def entitlement(exact: Decimal) -> int:
    """Whole tonnes of an exact method result, rounded half-up (x.5 t counts for the entity)."""
    return int(_non_negative("method result", exact).to_integral_value(ROUND_HALF_UP))


def split_free(tonnes: int, free_share: Decimal) -> tuple[int, int]:
    """``(free, auction reserve)`` of an entitlement: free = floor(tonnes × share), the rest
    to the reserve; the two always add up to ``tonnes``."""
    _tonnes("entitlement", tonnes)
    share = _share("free share", free_share)
    free = int(_times(Decimal(tonnes), share).to_integral_value(ROUND_FLOOR))
    return free, tonnes - free


def scale_to_cap(amounts: Sequence[tuple[str, int]], cap: int) -> dict[str, int]:
    """Scale ``(entity, tonnes)`` amounts down pro rata so they sum to at most ``cap``.

    When the sum is within the cap the amounts are returned unchanged. Otherwise each entity
    gets ``floor(tonnes × cap / total)`` and the tonnes still missing to reach the cap go one
    each to the largest remainders (ties: the larger amount, then the lower entity id). The
    result sums to exactly ``cap`` and no entity gets more than it asked for.
    """
    _tonnes("cap", cap)
    entities = [entity for entity, _ in amounts]
    if len(set(entities)) != len(entities):
        raise InvalidInput("each entity may appear only once in an allocation")
    for entity, tonnes in amounts:
        _tonnes(f"allocation of {entity}", tonnes)
    total = sum(tonnes for _, tonnes in amounts)
    if total <= cap:
        return dict(amounts)
    scaled: dict[str, int] = {}
    remainders: list[tuple[int, int, str]] = []
    for entity, tonnes in amounts:
        quota, remainder = divmod(tonnes * cap, total)
        scaled[entity] = quota
        remainders.append((-remainder, -tonnes, entity))
    missing = cap - sum(scaled.values())
    for _, _, entity in sorted(remainders)[:missing]:
        scaled[entity] += 1
    return scaled


@dataclass(frozen=True, slots=True)
class EntityAllocation:
    entity: str
    method: Method
    exact: Decimal  # the method's exact result, tCO2
    entitlement: int  # rounded half-up, before the cap
    allocated: int  # after scaling to the cap (free + reserve)
    free: int
    reserve: int  # the part set aside for auction


@dataclass(frozen=True, slots=True)
class Allocation:
    cap: int
    entities: tuple[EntityAllocation, ...]  # in the order given
    scaled: bool  # whether the entitlements exceeded the cap and were scaled down

    @property
    def free_total(self) -> int:
        return sum(e.free for e in self.entities)

    @property
    def reserve_total(self) -> int:
        return sum(e.reserve for e in self.entities)

    @property
    def total(self) -> int:
        """Free allocation plus auction reserve: never more than the cap."""
        return self.free_total + self.reserve_total

    @property
    def unallocated(self) -> int:
        return self.cap - self.total


def allocate(inputs: Sequence[AllocationInput], cap: int) -> Allocation:
    """Each entity's free allocation and auction reserve, the sum within ``cap``.

    Entitlements (method results rounded half-up) are scaled to the cap when their sum exceeds
    it (:func:`scale_to_cap`); each entity's (scaled) amount is then split into free and
    reserve by its sector's free share (:func:`split_free`).
    """
    exact = [method_result(item) for item in inputs]
    wanted = [entitlement(value) for value in exact]
    scaled = scale_to_cap([(i.entity, w) for i, w in zip(inputs, wanted, strict=True)], cap)
    lines = []
    for item, value, want in zip(inputs, exact, wanted, strict=True):
        amount = scaled[item.entity]
        free, reserve = split_free(amount, item.free_share)
        lines.append(EntityAllocation(item.entity, item.method, value, want, amount, free, reserve))
    return Allocation(cap, tuple(lines), sum(wanted) > cap)


def true_up(pre_allocated: int, final: int) -> int:
    """Ex-post true-up: positive = issue the difference, negative = take it back."""
    return _tonnes("final allocation", final) - _tonnes("pre-allocation", pre_allocated)


def _days_in_year(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def part_year(annual: int, days: int, year: int) -> int:
    """``floor(annual × days / days in year)``: what an entity in operation ``days`` days keeps."""
    _tonnes("annual allocation", annual)
    in_year = _days_in_year(year)
    if not 0 <= days <= in_year:
        raise InvalidInput(f"days in operation must be between 0 and {in_year}, not {days}")
    return annual * days // in_year


def new_entrant(annual: int, first_day: date, year: int) -> int:
    """Allocation of an entity that starts operating on ``first_day`` (counted) of ``year``:
    the full-year amount pro rata for the days from ``first_day`` to 31 December, rounded
    down. A start before the year gives the full amount; a start after it gives nothing."""
    start = max(first_day, date(year, 1, 1))
    days = max(0, (date(year + 1, 1, 1) - start).days)
    return part_year(annual, days, year)


@dataclass(frozen=True, slots=True)
class Closure:
    kept: int  # pro rata for the days in operation, rounded down
    taken_back: int  # the rest of the pre-allocation


def closure(pre_allocated: int, closed_on: date, year: int) -> Closure:
    """An entity closing on ``closed_on`` (the first day not in operation): allocation stops
    and the unused part of the pre-allocation is taken back pro rata. It keeps
    ``floor(pre_allocated × days operated / days in year)``; the rest is taken back."""
    days = min(max(0, (closed_on - date(year, 1, 1)).days), _days_in_year(year))
    kept = part_year(pre_allocated, days, year)
    return Closure(kept, pre_allocated - kept)


@dataclass(frozen=True, slots=True)
class Deduction:
    deducted: int  # tonnes removed from this year's free allocation
    free_after: int  # the free allocation issued
    still_owed: int  # carried to the next year


def apply_deduction(free: int, owed: int) -> Deduction:
    """Deduct a previous year's penalty (``owed`` tonnes) from a free allocation, never below
    zero; what cannot be deducted stays owed."""
    _tonnes("free allocation", free)
    _tonnes("deduction owed", owed)
    deducted = min(free, owed)
    return Deduction(deducted, free - deducted, owed - deducted)
