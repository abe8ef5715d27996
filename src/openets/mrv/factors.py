"""The factor library: versioned sets of emission factors, calorific values and carbon contents.

Factor sets are data, shipped as TOML files in ``openets/mrv/data`` and read with ``tomllib``
(floats parsed straight to ``Decimal``, so ``0.02637`` is exactly 0.02637). Each set has a
version id, a kind (``combustion``, ``grid``, ``heat``, ``process``), the years it applies to,
the document it comes from and, per item, its factors with the unit of activity data:

- combustion: ``ncv`` (GJ per unit), ``cc`` (tC/GJ), ``of`` (fraction); unit ``t`` or
  ``10^4 Nm3``;
- grid: ``ef`` in tCO2/MWh; heat: ``ef`` in tCO2/GJ; process: ``ef`` in tCO2/t.

A report records the version id of every factor it used (:attr:`Factors.version`).
When two sets of a kind cover the same year, the one with the higher ``priority`` wins (the
national ETS grid factor over the published national average); a caller can name a version.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Context, Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from openets.errors import InvalidInput
from openets.mrv.model import Unit

__all__ = [
    "FactorItem",
    "FactorKind",
    "FactorLibrary",
    "FactorSet",
    "Factors",
    "factor_units",
]

#: precision for the stoichiometric fractions written "a/b" in the data files
_FRACTION_CONTEXT = Context(prec=34)


class FactorKind(StrEnum):
    """What a factor set is for."""

    COMBUSTION = "combustion"  # ncv, cc, of per fuel
    GRID = "grid"  # ef, tCO2/MWh of purchased electricity
    HEAT = "heat"  # ef, tCO2/GJ of purchased heat
    PROCESS = "process"  # ef, tCO2 per t of product or carbonate


_NAMES: dict[FactorKind, tuple[str, ...]] = {
    FactorKind.COMBUSTION: ("ncv", "cc", "of"),
    FactorKind.GRID: ("ef",),
    FactorKind.HEAT: ("ef",),
    FactorKind.PROCESS: ("ef",),
}
_UNITS: dict[FactorKind, tuple[Unit, ...]] = {
    FactorKind.COMBUSTION: (Unit.TONNE, Unit.TEN_THOUSAND_NM3),
    FactorKind.GRID: (Unit.MWH,),
    FactorKind.HEAT: (Unit.GJ,),
    FactorKind.PROCESS: (Unit.TONNE,),
}


def factor_units(unit: Unit) -> dict[str, str]:
    """The unit of each factor name for activity data measured in ``unit``."""
    return {
        "ncv": f"GJ/{unit.value}",
        "cc": "tC/GJ",
        "of": "fraction",
        "ef": f"tCO2/{unit.value}",
    }


@dataclass(frozen=True, slots=True)
class FactorItem:
    """The default factors of one fuel, process or energy carrier in a set."""

    code: str
    name: str
    unit: Unit
    values: Mapping[str, Decimal]
    source: str
    note: str | None = None
    #: how a value was written when it is an exact fraction ("88/184.4"), by factor name
    expressions: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FactorSet:
    """A versioned set of factors of one kind, from one source document."""

    version: str
    kind: FactorKind
    title: str
    source: str
    first_year: int
    last_year: int | None
    priority: int
    items: Mapping[str, FactorItem]

    def applies_to(self, year: int) -> bool:
        """Whether the set covers reporting year ``year``."""
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)


@dataclass(frozen=True, slots=True)
class Factors:
    """The result of a look-up: an item's default factors and the version they come from.

    ``values`` holds ``ncv`` (GJ/unit), ``cc`` (tC/GJ) and ``of`` for combustion, ``ef``
    (tCO2/unit) otherwise.
    """

    version: str
    item: str
    unit: Unit
    values: Mapping[str, Decimal]

    def __getitem__(self, name: str) -> Decimal:
        return self.values[name]


class FactorLibrary:
    """All factor sets known to a calculation, with look-ups by item and reporting year."""

    def __init__(self, sets: Iterable[FactorSet]) -> None:
        self._sets: dict[str, FactorSet] = {}
        for factor_set in sets:
            if factor_set.version in self._sets:
                raise InvalidInput(f"factor set {factor_set.version!r} is defined twice")
            self._sets[factor_set.version] = factor_set
        self._check_overlaps()

    @classmethod
    def default(cls) -> FactorLibrary:
        """The factor sets shipped with OpenETS (loaded once per process)."""
        return _default_library()

    @classmethod
    def from_toml(cls, texts: Iterable[str]) -> FactorLibrary:
        """A library from the text of factor-set TOML files (the format of the shipped ones)."""
        return cls(parse_factor_set(text) for text in texts)

    @property
    def sets(self) -> tuple[FactorSet, ...]:
        """Every set, ordered by kind, then first year, then version."""
        kinds = list(FactorKind)
        return tuple(
            sorted(
                self._sets.values(),
                key=lambda s: (kinds.index(s.kind), s.first_year, -s.priority, s.version),
            )
        )

    def factor_set(self, version: str) -> FactorSet:
        """The set with this version id."""
        try:
            return self._sets[version]
        except KeyError:
            known = ", ".join(sorted(self._sets))
            raise InvalidInput(f"unknown factor set {version!r}; known: {known}") from None

    def sets_for(self, year: int | None = None) -> tuple[FactorSet, ...]:
        """The sets that cover ``year`` (all sets when ``year`` is None)."""
        return tuple(s for s in self.sets if year is None or s.applies_to(year))

    def combustion(self, item: str, year: int, version: str | None = None) -> Factors:
        """NCV (GJ/unit), CC (tC/GJ) and OF of fuel ``item`` for reporting year ``year``."""
        return self._lookup(FactorKind.COMBUSTION, item, year, version, "fuel")

    def grid(self, year: int, version: str | None = None) -> Factors:
        """The grid electricity factor ``ef`` (tCO2/MWh) for reporting year ``year``."""
        return self._lookup(FactorKind.GRID, "grid", year, version, "grid item")

    def heat(self, year: int, version: str | None = None) -> Factors:
        """The purchased-heat factor ``ef`` (tCO2/GJ) for reporting year ``year``."""
        return self._lookup(FactorKind.HEAT, "heat", year, version, "heat item")

    def process(self, item: str, year: int, version: str | None = None) -> Factors:
        """The process factor ``ef`` (tCO2/t) of ``item`` for reporting year ``year``."""
        return self._lookup(FactorKind.PROCESS, item, year, version, "process item")

    def _lookup(
        self, kind: FactorKind, item: str, year: int, version: str | None, noun: str
    ) -> Factors:
        if version is not None:
            chosen = self.factor_set(version)
            if chosen.kind is not kind:
                raise InvalidInput(f"factor set {version!r} is a {chosen.kind} set, not {kind}")
            if not chosen.applies_to(year):
                raise InvalidInput(f"factor set {version!r} does not cover {year}")
        else:
            candidates = [s for s in self._sets.values() if s.kind is kind and s.applies_to(year)]
            if not candidates:
                years = sorted(
                    {y for s in self._sets.values() if s.kind is kind for y in _years_text(s)}
                )
                known = ", ".join(years) or "none"
                raise InvalidInput(f"no {kind} factor set covers {year}; sets cover: {known}")
            chosen = max(candidates, key=lambda s: s.priority)
        entry = chosen.items.get(item)
        if entry is None:
            known = ", ".join(sorted(chosen.items))
            raise InvalidInput(f"unknown {noun} {item!r} in {chosen.version}; known: {known}")
        return Factors(chosen.version, entry.code, entry.unit, entry.values)

    def _check_overlaps(self) -> None:
        # Two sets of a kind with the same priority covering one year would make the default
        # look-up depend on file order; refuse that at load time.
        by_kind: dict[tuple[FactorKind, int], list[FactorSet]] = {}
        for factor_set in self._sets.values():
            by_kind.setdefault((factor_set.kind, factor_set.priority), []).append(factor_set)
        for group in by_kind.values():
            ordered = sorted(group, key=lambda s: s.first_year)
            for earlier, later in itertools.pairwise(ordered):
                if earlier.last_year is None or earlier.last_year >= later.first_year:
                    raise InvalidInput(
                        f"factor sets {earlier.version!r} and {later.version!r} overlap with "
                        f"the same priority {earlier.priority}"
                    )


def _years_text(factor_set: FactorSet) -> list[str]:
    last = factor_set.last_year
    if last == factor_set.first_year:
        return [str(last)]
    return [f"{factor_set.first_year}-{'' if last is None else last}"]


def parse_factor_set(text: str) -> FactorSet:
    """Parse one factor-set TOML document (floats become exact ``Decimal`` values)."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"factor set is not valid TOML: {exc}") from None
    version = _text(data, "version", "factor set")
    where = f"factor set {version!r}"
    try:
        kind = FactorKind(_text(data, "kind", where))
    except ValueError:
        raise InvalidInput(f"{where}: kind must be one of {', '.join(FactorKind)}") from None
    first_year = _integer(data, "first_year", where)
    last_year = data.get("last_year")
    if last_year is not None and (not isinstance(last_year, int) or last_year < first_year):
        raise InvalidInput(f"{where}: last_year must be a year not before first_year")
    raw_items = data.get("items")
    if not isinstance(raw_items, dict) or not raw_items:
        raise InvalidInput(f"{where}: no [items]")
    items = {code: _item(code, raw, kind, where) for code, raw in raw_items.items()}
    return FactorSet(
        version=version,
        kind=kind,
        title=_text(data, "title", where),
        source=_text(data, "source", where),
        first_year=first_year,
        last_year=last_year,
        priority=int(data.get("priority", 0)),
        items=items,
    )


def _item(code: str, raw: Any, kind: FactorKind, where: str) -> FactorItem:
    where = f"{where}, item {code!r}"
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where}: must be a table")
    try:
        unit = Unit(_text(raw, "unit", where))
    except ValueError:
        raise InvalidInput(f"{where}: unknown unit {raw['unit']!r}") from None
    if unit not in _UNITS[kind]:
        allowed = ", ".join(u.value for u in _UNITS[kind])
        raise InvalidInput(f"{where}: a {kind} item is measured in {allowed}, not {unit.value}")
    values: dict[str, Decimal] = {}
    expressions: dict[str, str] = {}
    for name in _NAMES[kind]:
        value = raw.get(name)
        if isinstance(value, str):
            expressions[name] = value
            value = _fraction(value, f"{where}: {name}")
        if not isinstance(value, Decimal | int) or isinstance(value, bool):
            raise InvalidInput(f"{where}: {name} must be a number")
        number = Decimal(value)
        if not number.is_finite() or number <= 0:
            raise InvalidInput(f"{where}: {name} must be positive")
        if name == "of" and number > 1:
            raise InvalidInput(f"{where}: of is a fraction, at most 1")
        values[name] = number
    note = raw.get("note")
    return FactorItem(
        code=code,
        name=_text(raw, "name", where),
        unit=unit,
        values=values,
        source=_text(raw, "source", where),
        note=str(note) if note is not None else None,
        expressions=expressions,
    )


def _fraction(text: str, where: str) -> Decimal:
    numerator, slash, denominator = text.partition("/")
    try:
        if not slash:
            return Decimal(text.strip())
        return _FRACTION_CONTEXT.divide(Decimal(numerator.strip()), Decimal(denominator.strip()))
    except (InvalidOperation, ArithmeticError):
        raise InvalidInput(f"{where}: {text!r} is not a number or a fraction a/b") from None


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: {key} must be a non-empty string")
    return value.strip()


def _integer(data: Mapping[str, Any], key: str, where: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{where}: {key} must be an integer")
    return value


@cache
def _default_library() -> FactorLibrary:
    folder = resources.files("openets.mrv") / "data"
    texts = [
        entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]
    return FactorLibrary.from_toml(texts)
