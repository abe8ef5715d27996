"""Default factors of product carbon footprints, in kgCO2e per unit of the line.

Three sources, looked up by the line's stage and item:

- **energy**: the MRV factor library (:mod:`openets.mrv.factors`) for the footprint's year:
  ``grid`` electricity (MWh) is the library's grid factor, ``heat`` (GJ) its purchased-heat
  factor, each ×1000 (tCO2 → kgCO2e); a fossil fuel by its MRV code (``raw_coal``, ``diesel``,
  ``natural_gas`` ...) is ``NCV × CC × OF × 44/12 × 1000`` per t (or per 10^4 Nm3);
- **materials** and **transport**: the versioned table shipped in
  ``openets/labels/data/label-defaults-*.toml``, each figure with its public source.

A line whose item has no default, or whose unit differs from the default's, is refused
(:class:`~openets.errors.InvalidInput`) naming the item: a footprint never uses a figure it
cannot trace to a source.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Context, Decimal
from functools import cache
from importlib import resources
from typing import Any

from openets.errors import InvalidInput
from openets.mrv.factors import FactorLibrary, FactorSet

__all__ = [
    "DefaultFactor",
    "LabelFactorTable",
    "default_year",
]

_KG_PER_T = Decimal(1000)
_DIVISION = Context(prec=34)


@dataclass(frozen=True, slots=True)
class DefaultFactor:
    """A default factor: ``value`` kgCO2e per ``unit``, from ``version``, citing ``source``."""

    item: str
    value: Decimal
    unit: str
    version: str
    source: str


@dataclass(frozen=True, slots=True)
class LabelFactorTable:
    """The shipped default-factor table (materials, transport) plus the MRV library."""

    version: str
    materials: Mapping[str, DefaultFactor]
    transport: Mapping[str, DefaultFactor]
    library: FactorLibrary

    @classmethod
    def default(cls) -> LabelFactorTable:
        """The table shipped with OpenETS and the default MRV library (loaded once)."""
        return _default_table()

    @classmethod
    def from_toml(cls, text: str, library: FactorLibrary) -> LabelFactorTable:
        """A table from the text of a default-factor TOML file."""
        data = tomllib.loads(text, parse_float=Decimal)
        version = str(data.get("version", "")).strip()
        if not version:
            raise InvalidInput("label default-factor table: version must be a non-empty string")
        return cls(
            version=version,
            materials=_section(data, "materials", version),
            transport=_section(data, "transport", version),
            library=library,
        )

    def material(self, item: str, unit: str) -> DefaultFactor:
        """The default factor of material ``item`` measured in ``unit``."""
        return _checked(self.materials.get(item), "material", item, unit, self.version)

    def transport_mode(self, mode: str) -> DefaultFactor:
        """The default factor of transport ``mode`` (kgCO2e per tonne-km)."""
        return _checked(self.transport.get(mode), "transport mode", mode, "tonne_km", self.version)

    def energy(self, item: str, unit: str, year: int) -> DefaultFactor:
        """The default factor of energy ``item`` for ``year`` from the MRV library."""
        if item in ("grid", "electricity"):
            found = self.library.grid(year)
        elif item == "heat":
            found = self.library.heat(year)
        else:
            try:
                found = self.library.combustion(item, year)
            except InvalidInput:
                raise InvalidInput(
                    f"no default factor for energy item {item!r}: give its 'factor' "
                    "(kgCO2e per unit), or use grid, heat or an MRV fuel code"
                ) from None
            # kgCO2e per unit = NCV × CC × OF × 44/12 × 1000, divided last to stay exact
            carbon = found["ncv"] * found["cc"] * found["of"] * 44 * _KG_PER_T
            value = _DIVISION.divide(carbon, Decimal(12))
            return self._energy(item, unit, found.unit.value, value, found.version)
        return self._energy(item, unit, found.unit.value, found["ef"] * _KG_PER_T, found.version)

    def _energy(
        self, item: str, unit: str, wanted: str, value: Decimal, version: str
    ) -> DefaultFactor:
        if unit != wanted:
            raise InvalidInput(
                f"energy item {item!r}: the default factor is per {wanted}, not per {unit}; "
                f"give the quantity in {wanted} or the line's own 'factor'"
            )
        factor_set: FactorSet = self.library.factor_set(version)
        return DefaultFactor(item, value, wanted, version, factor_set.source)


def default_year(library: FactorLibrary) -> int:
    """The latest year a grid factor set of the library covers (the footprint's default year)."""
    years = [
        s.last_year if s.last_year is not None else s.first_year
        for s in library.sets
        if s.kind.value == "grid"
    ]
    if not years:
        raise InvalidInput("the factor library has no grid factor set")
    return max(years)


def _checked(
    found: DefaultFactor | None, noun: str, item: str, unit: str, version: str
) -> DefaultFactor:
    if found is None:
        raise InvalidInput(
            f"no default factor for {noun} {item!r} in {version}: give the line's 'factor' "
            "(kgCO2e per unit) with its source"
        )
    if found.unit != unit:
        raise InvalidInput(
            f"{noun} {item!r}: the default factor is per {found.unit}, not per {unit}"
        )
    return found


def _section(data: Mapping[str, Any], name: str, version: str) -> dict[str, DefaultFactor]:
    raw = data.get(name, {})
    if not isinstance(raw, dict):
        raise InvalidInput(f"label default-factor table: [{name}] must be a table")
    items = {}
    for code, entry in raw.items():
        where = f"label default-factor table, {name}.{code}"
        value = entry.get("factor") if isinstance(entry, dict) else None
        if not isinstance(value, Decimal | int) or isinstance(value, bool) or value <= 0:
            raise InvalidInput(f"{where}: factor must be a positive number")
        unit, source = entry.get("unit"), entry.get("source")
        if not isinstance(unit, str) or not isinstance(source, str) or not source.strip():
            raise InvalidInput(f"{where}: unit and source must be non-empty strings")
        items[code] = DefaultFactor(code, Decimal(value), unit, version, " ".join(source.split()))
    return items


@cache
def _default_table() -> LabelFactorTable:
    folder = resources.files("openets.labels") / "data"
    texts = sorted(
        (e for e in folder.iterdir() if e.name.startswith("label-defaults-")),
        key=lambda e: e.name,
    )
    if not texts:  # pragma: no cover - shipped with the package
        raise InvalidInput("no label default-factor table is installed")
    return LabelFactorTable.from_toml(
        texts[-1].read_text(encoding="utf-8"), FactorLibrary.default()
    )
