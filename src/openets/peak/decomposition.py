"""What drives a change in emissions: the Kaya identity and its additive LMDI decomposition.

Kaya identity (DESIGN.md, "Carbon peaking")::

    C = P × (G / P) × (E / G) × (C / E)
        population × affluence (GDP per person) × energy intensity (energy per GDP)
        × carbon intensity (CO2 per energy)

Additive LMDI-I (Ang, B.W. 2004, "Decomposition analysis for policymaking in energy: which is
the preferred method?", Energy Policy 32(9)) between years 0 and T: the effect of factor x is
``L(C_T, C_0) × ln(x_T / x_0)`` with the logarithmic mean ``L(a, b) = (a - b) / (ln a - ln b)``
(``L(a, a) = a``). Because the four log-ratios add up to ``ln(C_T / C_0)``, the effects add
up to ``C_T - C_0`` exactly (no residual term).

Printed results (:func:`rounded`) have :data:`DECIMALS` decimals; the change is rounded
first, then each effect, and whatever the rounded effects miss of the rounded change (a few
units of the last decimal at most) is given to the largest effect in magnitude, so that the
printed effects add up exactly to the printed change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from openets.errors import InvalidInput

__all__ = [
    "DECIMALS",
    "FACTORS",
    "Decomposition",
    "KayaYear",
    "decompose",
    "log_mean",
    "rounded",
]

#: decimals of printed decomposition figures
DECIMALS = 6
#: the Kaya factors, in identity order
FACTORS = ("population", "affluence", "energy_intensity", "carbon_intensity")


@dataclass(frozen=True, slots=True)
class KayaYear:
    """One year of a region: emissions, population, GDP and energy, each in its own unit
    (the factors' units cancel out of the decomposition)."""

    year: int
    co2: float
    population: float
    gdp: float
    energy: float

    def factors(self) -> tuple[float, float, float, float]:
        """Population, GDP per person, energy per GDP, CO2 per energy."""
        return (
            self.population,
            self.gdp / self.population,
            self.energy / self.gdp,
            self.co2 / self.energy,
        )


@dataclass(frozen=True, slots=True)
class Decomposition:
    """The change of emissions between two years and the effect of each Kaya factor."""

    start: int
    end: int
    change: float
    effects: dict[str, float]


def log_mean(a: float, b: float) -> float:
    """The logarithmic mean L(a, b) = (a - b) / (ln a - ln b), L(a, a) = a; a, b > 0.

    For a and b within a factor 2 of each other ``ln a - ln b`` is computed as
    ``log1p((a - b) / b)`` (``a - b`` is then exact): two nearly equal values, a few units of
    the last digit apart, have equal logarithms in float, which would divide by zero."""
    if a <= 0 or b <= 0:
        raise InvalidInput("the logarithmic mean needs positive values")
    if a == b:
        return a
    if 0.5 < a / b < 2.0:
        return (a - b) / math.log1p((a - b) / b)
    return (a - b) / (math.log(a) - math.log(b))


def _check(year: KayaYear) -> None:
    for name in ("co2", "population", "gdp", "energy"):
        value = getattr(year, name)
        if not (math.isfinite(value) and value > 0):
            raise InvalidInput(
                f"year {year.year}: {name} must be a positive number for LMDI, got {value!r}"
            )


def decompose(start: KayaYear, end: KayaYear) -> Decomposition:
    """Additive LMDI-I decomposition of ``end.co2 - start.co2`` into the four Kaya effects."""
    _check(start)
    _check(end)
    weight = log_mean(end.co2, start.co2)
    effects = {
        name: weight * math.log(b / a)
        for name, a, b in zip(FACTORS, start.factors(), end.factors(), strict=True)
    }
    return Decomposition(start.year, end.year, end.co2 - start.co2, effects)


def _round(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-DECIMALS), ROUND_HALF_EVEN)


def rounded(result: Decomposition) -> tuple[Decimal, dict[str, Decimal]]:
    """The change and effects with :data:`DECIMALS` decimals, the effects adding up exactly
    to the change (the rounding residue goes to the largest effect in magnitude)."""
    change = _round(result.change)
    effects = {name: _round(value) for name, value in result.effects.items()}
    residue = change - sum(effects.values(), Decimal(0))
    if residue:
        largest = max(FACTORS, key=lambda name: (abs(result.effects[name]), name))
        effects[largest] += residue
    return change, effects
