"""Projecting emissions to a target year under scenarios, and the year the peak falls in each.

A scenario moves the four Kaya factors (:mod:`openets.peak.decomposition`) from the last year
with data: each year, population, GDP, energy per GDP and CO2 per energy change by the annual
percentages of the scenario's phase covering that year, so that

    CO2(t) = CO2(t-1) × (1 + g) × (1 + e) × (1 + c)

with ``g`` the GDP growth, ``e`` the change of energy intensity and ``c`` the change of carbon
intensity (population growth splits GDP growth into people and GDP per person; it does not
change the total). An energy-mix path replaces
``c``: CO2 per energy falls with the fossil share, ``CO2/E(t) = CO2/E(base) × (1 - s_t) /
(1 - s_base)``, the non-fossil share ``s`` moving in a straight line from the base year's to
its target.

The *trend* scenario continues each factor's average annual change over the last
``trend_years`` years of the history (geometric mean).

The peak year of a scenario is the year of the highest emissions over history and projection
together (the earliest on a tie); ``None`` when the highest is the target year itself (no
peak before it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from openets.errors import InvalidInput
from openets.peak.decomposition import KayaYear

__all__ = [
    "EnergyMixPath",
    "Phase",
    "Projection",
    "Scenario",
    "project",
    "scenarios_from_data",
    "trend_scenario",
]


@dataclass(frozen=True, slots=True)
class Phase:
    """Annual percentage changes that apply up to and including ``until`` (a year)."""

    until: int
    gdp_growth_pct: float
    energy_intensity_pct: float
    carbon_intensity_pct: float = 0.0
    population_growth_pct: float = 0.0

    def __post_init__(self) -> None:
        for name in (
            "gdp_growth_pct",
            "energy_intensity_pct",
            "carbon_intensity_pct",
            "population_growth_pct",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and -100 < value <= 100):
                raise InvalidInput(f"{name} must be a yearly percentage in (-100, 100]")


@dataclass(frozen=True, slots=True)
class EnergyMixPath:
    """The non-fossil share of energy (fraction, 0-1) of the base year and its target."""

    base_share: float
    target_share: float
    target_year: int

    def __post_init__(self) -> None:
        for share in (self.base_share, self.target_share):
            if not 0 <= share < 1:
                raise InvalidInput(f"a non-fossil share must be in [0, 1), got {share!r}")

    def share(self, base_year: int, year: int) -> float:
        if year >= self.target_year or self.target_year <= base_year:
            return self.target_share
        step = (year - base_year) / (self.target_year - base_year)
        return self.base_share + (self.target_share - self.base_share) * step


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named path: phases in order (the last one runs on to any target year) and an
    optional energy-mix path replacing the carbon-intensity changes."""

    name: str
    phases: tuple[Phase, ...]
    energy_mix: EnergyMixPath | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInput("a scenario needs a name")
        if not self.phases:
            raise InvalidInput(f"scenario {self.name!r} needs at least one phase")
        ends = [p.until for p in self.phases]
        if ends != sorted(set(ends)):
            raise InvalidInput(f"scenario {self.name!r}: phases must end in increasing years")

    def phase(self, year: int) -> Phase:
        for phase in self.phases:
            if year <= phase.until:
                return phase
        return self.phases[-1]


@dataclass(frozen=True, slots=True)
class Projection:
    """A scenario's projected emissions (base year excluded) and its peak year."""

    scenario: str
    years: tuple[int, ...]
    co2: tuple[float, ...]
    peak_year: int | None
    peak_value: float
    energy: tuple[float, ...] = field(default_factory=tuple)


def project(history: Sequence[KayaYear], scenario: Scenario, target_year: int) -> Projection:
    """Project the last year of ``history`` (sorted by year) to ``target_year``."""
    if not history:
        raise InvalidInput("a projection needs at least one year of history")
    base = history[-1]
    if target_year <= base.year:
        raise InvalidInput(f"target year {target_year} must be after the last year {base.year}")
    if target_year - base.year > 100:
        raise InvalidInput("a projection covers at most 100 years")
    gdp, energy = base.gdp, base.energy
    intensity = base.co2 / base.energy if base.energy else 0.0
    years, path, energies = [], [], []
    for year in range(base.year + 1, target_year + 1):
        phase = scenario.phase(year)
        gdp *= 1 + phase.gdp_growth_pct / 100
        energy *= (1 + phase.gdp_growth_pct / 100) * (1 + phase.energy_intensity_pct / 100)
        if scenario.energy_mix is not None:
            mix = scenario.energy_mix
            fossil = (1 - mix.share(base.year, year)) / (1 - mix.base_share)
            carbon = base.co2 / base.energy * fossil if base.energy else 0.0
        else:
            intensity *= 1 + phase.carbon_intensity_pct / 100
            carbon = intensity
        co2 = energy * carbon
        years.append(year)
        path.append(co2)
        energies.append(energy)
    whole = [(k.year, k.co2) for k in history] + list(zip(years, path, strict=True))
    peak_value = max(value for _, value in whole)
    peak_year = min(year for year, value in whole if value == peak_value)
    return Projection(
        scenario.name,
        tuple(years),
        tuple(path),
        None if peak_year == target_year else peak_year,
        peak_value,
        tuple(energies),
    )


def _annual_pct(a: float, b: float, years: int) -> float:
    if a <= 0 or b <= 0 or years <= 0:
        return 0.0
    return float(((b / a) ** (1 / years) - 1) * 100)


def trend_scenario(history: Sequence[KayaYear], trend_years: int = 5) -> Scenario:
    """Each factor's average yearly change over the last ``trend_years`` years of history."""
    if len(history) < 2:
        raise InvalidInput("a trend needs at least two years of history")
    last = history[-1]
    first = next((k for k in history if k.year >= last.year - trend_years), history[0])
    if first is last:
        first = history[-2]
    span = last.year - first.year
    a, b = first.factors(), last.factors()
    return Scenario(
        "trend",
        (
            Phase(
                until=last.year + 100,
                gdp_growth_pct=_annual_pct(first.gdp, last.gdp, span),
                energy_intensity_pct=_annual_pct(a[2], b[2], span),
                carbon_intensity_pct=_annual_pct(a[3], b[3], span),
                population_growth_pct=_annual_pct(a[0], b[0], span),
            ),
        ),
    )


def _float(raw: Mapping[str, Any], name: str, where: str, default: float | None = None) -> float:
    value = raw.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{where}: {name} must be a number")
    return float(value)


def _int(raw: Mapping[str, Any], name: str, where: str) -> int:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{where}: {name} must be a whole year")
    return value


def scenarios_from_data(items: Sequence[Any]) -> list[Scenario]:
    """Scenarios from parsed TOML or JSON: a list of tables with ``name``, ``phases`` (each
    ``until``, ``gdp_growth_pct``, ``energy_intensity_pct``, optional ``carbon_intensity_pct``
    and ``population_growth_pct``) and an optional ``energy_mix`` (``base_share``,
    ``target_share``, ``target_year``)."""
    result = []
    for n, raw in enumerate(items, start=1):
        if not isinstance(raw, Mapping):
            raise InvalidInput(f"scenario {n}: expected a table")
        where = f"scenario {raw.get('name', n)!r}"
        phases = raw.get("phases")
        if not isinstance(phases, list) or not phases:
            raise InvalidInput(f"{where}: needs a list of phases")
        built = []
        for phase in phases:
            if not isinstance(phase, Mapping):
                raise InvalidInput(f"{where}: each phase is a table")
            built.append(
                Phase(
                    until=_int(phase, "until", where),
                    gdp_growth_pct=_float(phase, "gdp_growth_pct", where),
                    energy_intensity_pct=_float(phase, "energy_intensity_pct", where),
                    carbon_intensity_pct=_float(phase, "carbon_intensity_pct", where, 0.0),
                    population_growth_pct=_float(phase, "population_growth_pct", where, 0.0),
                )
            )
        mix = raw.get("energy_mix")
        path = None
        if mix is not None:
            if not isinstance(mix, Mapping):
                raise InvalidInput(f"{where}: energy_mix is a table")
            path = EnergyMixPath(
                _float(mix, "base_share", where),
                _float(mix, "target_share", where),
                _int(mix, "target_year", where),
            )
        result.append(Scenario(str(raw.get("name", "")), tuple(built), path))
    return result
