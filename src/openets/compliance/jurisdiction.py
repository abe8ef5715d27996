"""Jurisdiction configuration: the figures of one market for one compliance year.

Every figure the allocation and compliance rules use (coverage thresholds, cap, allocation
method and parameters per sector, free shares, offset limits, deadlines, penalty rule) is data,
shipped as one TOML file per jurisdiction in ``openets/compliance/data`` (``guangdong``,
``shenzhen``, ``national``) and read with ``tomllib`` (floats parsed straight to ``Decimal``).

A file has a ``[base]`` configuration and optional ``[years.N]`` sections. The configuration of
year N is the base with year N's section merged over it: tables merge key by key, any other
value (number, string, array) replaces the base's. A year section affects that year only, so a
regulator changes one year's figures by adding or editing its section, without code.

Units: tonnes (tCO2e) and fen are integers; shares and factors are ``Decimal``; benchmarks are
tCO2 per unit of output (the unit is named in the file). Deadlines are month-days of year N+1
for the emissions of year N. The whole file (base and every year section) is validated when it
is loaded, and an error names the file and the key.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from openets.errors import InvalidInput, NotFound
from openets.mrv.entities import Sector
from openets.offsets.methodologies import PROJECT_TYPES
from openets.offsets.projects import SCHEMES

__all__ = [
    "AllocationMethod",
    "Cap",
    "Coverage",
    "Deadlines",
    "FineKind",
    "JurisdictionConfig",
    "JurisdictionYear",
    "MonthDay",
    "OffsetBasis",
    "OffsetRules",
    "PenaltyTerms",
    "SectorAllocation",
    "jurisdiction_config",
    "jurisdiction_view",
    "jurisdictions",
    "load_jurisdiction",
    "parse_jurisdiction_config",
]

_MIN_YEAR, _MAX_YEAR = 2005, 2100


class AllocationMethod(StrEnum):
    """How a sector's free allocation is computed (DESIGN.md §3, Allocation)."""

    BENCHMARK = "benchmark"  # output × benchmark × adjustment factor
    HISTORICAL_INTENSITY = "historical_intensity"  # output × base intensity × decline factor
    HISTORICAL_EMISSIONS = "historical_emissions"  # base emissions × decline factor
    DATA_CENTRE = "data_centre"  # IT electricity (MWh) × electricity factor × decline factor


class OffsetBasis(StrEnum):
    """Which verified emissions the offset limit is a share of."""

    PRIOR_YEAR = "prior_year"  # Guangdong: the entity's verified emissions of year N-1
    COMPLIANCE_YEAR = "compliance_year"  # national: the obligation of year N


class FineKind(StrEnum):
    """How a shortfall is penalised."""

    #: a fixed fine plus ``deduction_multiple`` × shortfall off next year's allocation
    FIXED_FINE = "fixed_fine"
    #: fine = shortfall × multiple × average market price over a window before the deadline
    PRICE_MULTIPLE = "price_multiple"


@dataclass(frozen=True, slots=True)
class MonthDay:
    """A day of the year after the compliance year (``03-20`` is 20 March of N+1)."""

    month: int
    day: int

    def __post_init__(self) -> None:
        # 2001 is not a leap year: 02-29 would not exist every year, so it is refused
        date(2001, self.month, self.day)

    def for_year(self, compliance_year: int) -> date:
        """The date of this deadline for the emissions of ``compliance_year``."""
        return date(compliance_year + 1, self.month, self.day)

    def __str__(self) -> str:
        return f"{self.month:02d}-{self.day:02d}"


@dataclass(frozen=True, slots=True)
class Deadlines:
    """The compliance calendar for year N's emissions, as month-days of N+1."""

    report: MonthDay  # emission report
    verification: MonthDay  # third-party verification report
    offset_request: MonthDay  # request to use offsets
    surrender: MonthDay  # allowances and offsets surrendered
    allocation: MonthDay  # free (pre-)allocation of the next year
    source: str

    def dates(self, compliance_year: int) -> dict[str, date]:
        """Each deadline as a date, by name, for the emissions of ``compliance_year``."""
        return {name: day.for_year(compliance_year) for name, day in self._items()}

    def _items(self) -> Iterator[tuple[str, MonthDay]]:
        yield "report", self.report
        yield "verification", self.verification
        yield "offset_request", self.offset_request
        yield "surrender", self.surrender
        yield "allocation", self.allocation


@dataclass(frozen=True, slots=True)
class Coverage:
    """Which entities must take part: covered sectors and the thresholds (any one suffices)."""

    sectors: tuple[Sector, ...]
    threshold_tco2: int  # tCO2 per year
    threshold_tce: int | None  # tonnes of standard coal equivalent per year; None: not used
    datacentre_racks: int | None  # data centres: racks; None: not used
    source: str


@dataclass(frozen=True, slots=True)
class Cap:
    """The year's cap in tonnes; ``tonnes`` None means the regulator has not set it yet."""

    tonnes: int | None
    illustrative: bool
    source: str


@dataclass(frozen=True, slots=True)
class SectorAllocation:
    """The allocation method of one sector, its parameters and the free share.

    ``benchmark`` and ``base_intensity`` are tCO2 per ``output_unit``; ``electricity_factor``
    is tCO2/MWh of IT electricity (data centres). Parameters a method does not use are None.
    """

    sector: Sector
    method: AllocationMethod
    free_share: Decimal  # of the computed allocation; the rest goes to auction
    output_unit: str | None
    benchmark: Decimal | None
    adjustment_factor: Decimal | None
    decline_factor: Decimal | None
    base_years: tuple[int, ...]
    electricity_factor: Decimal | None
    illustrative: bool
    source: str


@dataclass(frozen=True, slots=True)
class OffsetRules:
    """Limits on offsets used for compliance."""

    limit_share: Decimal  # total offsets ≤ limit_share × verified emissions of the basis year
    basis: OffsetBasis
    local_ccer_share: Decimal  # ≥ this share of CCER used must come from ``local_province``
    local_province: str | None
    schemes: tuple[str, ...]  # eligible schemes (CCER, PHCER, SINK)
    excluded_types: tuple[str, ...]  # project types refused
    market_cap_tonnes: int | None  # market-wide offsets per year; None: no cap
    source: str


@dataclass(frozen=True, slots=True)
class PenaltyTerms:
    """What a shortfall costs: a deduction from next year's allocation and a fine."""

    kind: FineKind
    deduction_multiple: int  # × shortfall (tonnes) off next year's free allocation
    fine_fen: int | None  # FIXED_FINE: the fine, in fen
    price_multiple_min: Decimal | None  # PRICE_MULTIPLE: fine = shortfall × multiple × price
    price_multiple_max: Decimal | None
    price_window_months: int | None  # average price over this many months before the deadline
    source: str


@dataclass(frozen=True, slots=True)
class JurisdictionYear:
    """The resolved configuration of one jurisdiction for one compliance year."""

    name: str
    year: int
    title: str
    instrument: str  # allowance family: GDEA, SZEA, CEA
    coverage: Coverage
    cap: Cap
    allocation: Mapping[Sector, SectorAllocation]
    offsets: OffsetRules
    deadlines: Deadlines
    penalty: PenaltyTerms
    #: the keys year ``year``'s section sets over the base, dotted (``cap.tonnes``)
    overrides: tuple[str, ...]

    @property
    def allowance_code(self) -> str:
        """The instrument code of this year's allowances (``GDEA-2024``)."""
        return f"{self.instrument}-{self.year}"


@dataclass(frozen=True, slots=True)
class JurisdictionConfig:
    """A parsed jurisdiction file: every year of its range, resolved and validated."""

    name: str
    title: str
    first_year: int
    last_year: int
    years: Mapping[int, JurisdictionYear]

    def year(self, year: int) -> JurisdictionYear:
        """The configuration for ``year``; InvalidInput outside the configured range."""
        try:
            return self.years[year]
        except KeyError:
            raise InvalidInput(
                f"jurisdiction {self.name!r} is configured for {self.first_year}–"
                f"{self.last_year}, not {year}"
            ) from None


# -- loading -----------------------------------------------------------------------------------


def jurisdictions() -> list[str]:
    """The names of the jurisdictions shipped with OpenETS, sorted."""
    return sorted(_shipped_files())


def jurisdiction_config(name: str) -> JurisdictionConfig:
    """The shipped configuration file of jurisdiction ``name`` (every year; loaded once).

    NotFound for an unknown name.
    """
    key = name.strip().lower()
    if key not in _shipped_files():
        known = ", ".join(jurisdictions())
        raise NotFound(f"unknown jurisdiction {name!r}; known: {known}")
    return _shipped_config(key)


def load_jurisdiction(name: str, year: int) -> JurisdictionYear:
    """The configuration of jurisdiction ``name`` for compliance year ``year``.

    NotFound for an unknown name; InvalidInput for a year outside the file's range.
    """
    return jurisdiction_config(name).year(year)


def parse_jurisdiction_config(text: str, filename: str) -> JurisdictionConfig:
    """Parse and validate one jurisdiction file; ``filename`` (``guangdong.toml``) names it in
    error messages, and its stem must equal the file's ``name``."""
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{filename}: not valid TOML: {exc}") from None
    top = _Table(data, filename, (), {})
    top.only("name", "title", "first_year", "last_year", "base", "years")
    name = top.text("name")
    stem = filename.rsplit("/", 1)[-1].removesuffix(".toml")
    if name != stem:
        raise InvalidInput(f"{filename}: name {name!r} must match the file name {stem!r}")
    title = top.text("title")
    first_year = top.year("first_year")
    last_year = top.year("last_year")
    if last_year < first_year:
        raise InvalidInput(f"{filename}: last_year {last_year} is before first_year {first_year}")
    base = top.table("base").raw
    raw_years = data.get("years", {})
    if not isinstance(raw_years, dict):
        raise InvalidInput(f"{filename}: years must be a table of [years.N] sections")
    overrides: dict[int, dict[str, Any]] = {}
    for key, section in raw_years.items():
        if not key.isdigit() or not first_year <= int(key) <= last_year:
            raise InvalidInput(f"{filename}: years.{key} is not a year in {first_year}–{last_year}")
        if not isinstance(section, dict):
            raise InvalidInput(f"{filename}: years.{key} must be a table")
        overrides[int(key)] = section
    # Validate the base on its own, so an error in it is reported against "base" once.
    _resolve(name, title, first_year, base, {}, None, filename)
    years = {
        year: _resolve(name, title, year, base, overrides.get(year, {}), year, filename)
        for year in range(first_year, last_year + 1)
    }
    return JurisdictionConfig(name, title, first_year, last_year, years)


def _shipped_files() -> dict[str, str]:
    folder = resources.files("openets.compliance") / "data"
    return {
        entry.name.removesuffix(".toml"): entry.name
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }


@cache
def _shipped_config(name: str) -> JurisdictionConfig:
    filename = _shipped_files()[name]
    entry = resources.files("openets.compliance") / "data" / filename
    return parse_jurisdiction_config(entry.read_text(encoding="utf-8"), filename)


# -- merging and validation --------------------------------------------------------------------


def _merge(
    base: Mapping[str, Any],
    override: Mapping[str, Any],
    path: tuple[str, ...],
    origins: dict[tuple[str, ...], str],
    origin: str,
) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        here = (*path, key)
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value, here, origins, origin)
        else:
            merged[key] = value
            origins[here] = origin
    return merged


class _Table:
    """A TOML table being validated; knows its dotted path and where each key came from."""

    def __init__(
        self,
        raw: Any,
        filename: str,
        path: tuple[str, ...],
        origins: Mapping[tuple[str, ...], str],
        default_origin: str = "",
        context: str = "",
    ) -> None:
        self.raw = raw
        self.context = context
        self.filename = filename
        self.path = path
        self.origins = origins
        self.default_origin = default_origin
        if not isinstance(raw, dict):
            raise self.error((), "must be a table")

    def key(self, *names: str) -> str:
        """The dotted key as written in the file (``years.2024.cap.tonnes``)."""
        full = (*self.path, *names)
        origin = self.default_origin
        for end in range(len(full), 0, -1):
            if full[:end] in self.origins:
                origin = self.origins[full[:end]]
                break
        return ".".join(part for part in (origin, *full) if part)

    def error(self, names: tuple[str, ...], problem: str) -> InvalidInput:
        return InvalidInput(f"{self.filename}: {self.key(*names)} {problem}{self.context}")

    def only(self, *allowed: str) -> None:
        for name in self.raw:
            if name not in allowed:
                raise self.error((name,), f"is not a known key (expected {', '.join(allowed)})")

    def has(self, name: str) -> bool:
        return name in self.raw

    def table(self, name: str) -> _Table:
        if name not in self.raw:
            raise self.error((name,), "is missing")
        return _Table(
            self.raw[name],
            self.filename,
            (*self.path, name),
            self.origins,
            self.default_origin,
            self.context,
        )

    def text(self, name: str) -> str:
        value = self.raw.get(name)
        if not isinstance(value, str) or not value.strip():
            raise self.error((name,), "must be a non-empty string")
        return value.strip()

    def integer(self, name: str, minimum: int = 0) -> int:
        value = self.raw.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.error((name,), f"must be an integer ≥ {minimum}, got {value!r}")
        return value

    def optional_integer(self, name: str, minimum: int = 0) -> int | None:
        return self.integer(name, minimum) if self.has(name) else None

    def year(self, name: str) -> int:
        value = self.integer(name)
        if not _MIN_YEAR <= value <= _MAX_YEAR:
            raise self.error((name,), f"must be a year in {_MIN_YEAR}–{_MAX_YEAR}, got {value}")
        return value

    def decimal(self, name: str) -> Decimal:
        value = self.raw.get(name)
        if isinstance(value, bool) or not isinstance(value, Decimal | int):
            raise self.error((name,), f"must be a number, got {value!r}")
        number = Decimal(value)
        if not number.is_finite() or number <= 0:
            raise self.error((name,), f"must be positive, got {value}")
        return number

    def optional_decimal(self, name: str) -> Decimal | None:
        return self.decimal(name) if self.has(name) else None

    def share(self, name: str) -> Decimal:
        value = self.raw.get(name)
        if isinstance(value, bool) or not isinstance(value, Decimal | int):
            raise self.error((name,), f"must be a share in [0, 1], got {value!r}")
        number = Decimal(value)
        if not number.is_finite() or not 0 <= number <= 1:
            raise self.error((name,), f"must be a share in [0, 1], got {value}")
        return number

    def boolean(self, name: str) -> bool:
        value = self.raw.get(name, False)
        if not isinstance(value, bool):
            raise self.error((name,), f"must be true or false, got {value!r}")
        return value

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.text(name)
        if value not in allowed:
            raise self.error((name,), f"must be one of {', '.join(allowed)}, got {value!r}")
        return value

    def choices(self, name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
        value = self.raw.get(name)
        if not isinstance(value, list):
            raise self.error((name,), "must be an array")
        for item in value:
            if item not in allowed:
                raise self.error((name,), f"has {item!r}, which is not one of {', '.join(allowed)}")
        if len(set(value)) != len(value):
            raise self.error((name,), "lists a value twice")
        return tuple(value)

    def month_day(self, name: str) -> MonthDay:
        text = self.text(name)
        month, dash, day = text.partition("-")
        try:
            if not (dash and len(month) == 2 and len(day) == 2):
                raise ValueError(text)
            return MonthDay(int(month), int(day))
        except ValueError:
            raise self.error(
                (name,), f"must be a month-day MM-DD valid in every year, got {text!r}"
            ) from None


def _resolve(
    name: str,
    title: str,
    year: int,
    base: Mapping[str, Any],
    override: Mapping[str, Any],
    override_year: int | None,
    filename: str,
) -> JurisdictionYear:
    origins: dict[tuple[str, ...], str] = {}
    merged = _merge(base, override, (), origins, f"years.{override_year}")
    # A key the year does not set is reported against the base, naming the year it broke.
    context = f" (in year {override_year})" if override else ""
    config = _Table(merged, filename, (), origins, "base", context)
    config.only("instrument", "coverage", "cap", "allocation", "offsets", "deadlines", "penalty")
    coverage = _coverage(config.table("coverage"))
    allocation_table = config.table("allocation")
    # Every sector's table is validated; the resolved year keeps the covered ones, so a year
    # can narrow coverage without deleting tables from the base.
    allocation_table.only(*Sector)
    for sector in coverage.sectors:
        if not allocation_table.has(sector.value):
            raise allocation_table.error((sector.value,), "is missing for a covered sector")
    parsed = {
        Sector(key): _sector_allocation(Sector(key), allocation_table.table(key))
        for key in allocation_table.raw
    }
    allocation = {sector: parsed[sector] for sector in coverage.sectors}
    return JurisdictionYear(
        name=name,
        year=year,
        title=title,
        instrument=config.choice("instrument", ("GDEA", "SZEA", "CEA")),
        coverage=coverage,
        cap=_cap(config.table("cap")),
        allocation=allocation,
        offsets=_offsets(config.table("offsets")),
        deadlines=_deadlines(config.table("deadlines")),
        penalty=_penalty(config.table("penalty")),
        overrides=tuple(sorted(".".join(path) for path in origins)),
    )


def _coverage(table: _Table) -> Coverage:
    table.only("sectors", "threshold_tco2", "threshold_tce", "datacentre_racks", "source", "note")
    sectors = tuple(Sector(s) for s in table.choices("sectors", tuple(Sector)))
    if not sectors:
        raise table.error(("sectors",), "must name at least one sector")
    racks = table.optional_integer("datacentre_racks", minimum=1)
    if racks is not None and Sector.DATACENTRES not in sectors:
        raise table.error(("datacentre_racks",), "is set but data centres are not covered")
    return Coverage(
        sectors=sectors,
        threshold_tco2=table.integer("threshold_tco2", minimum=1),
        threshold_tce=table.optional_integer("threshold_tce", minimum=1),
        datacentre_racks=racks,
        source=table.text("source"),
    )


def _cap(table: _Table) -> Cap:
    table.only("tonnes", "illustrative", "source", "note")
    return Cap(
        tonnes=table.optional_integer("tonnes", minimum=1),
        illustrative=table.boolean("illustrative"),
        source=table.text("source"),
    )


_METHOD_PARAMETERS: dict[AllocationMethod, tuple[str, ...]] = {
    AllocationMethod.BENCHMARK: ("output_unit", "benchmark", "adjustment_factor"),
    AllocationMethod.HISTORICAL_INTENSITY: ("output_unit", "base_years", "decline_factor"),
    AllocationMethod.HISTORICAL_EMISSIONS: ("base_years", "decline_factor"),
    AllocationMethod.DATA_CENTRE: ("electricity_factor", "decline_factor"),
}
_PARAMETERS = (
    "output_unit",
    "benchmark",
    "adjustment_factor",
    "decline_factor",
    "base_years",
    "electricity_factor",
)


def _sector_allocation(sector: Sector, table: _Table) -> SectorAllocation:
    table.only("method", "free_share", *_PARAMETERS, "illustrative", "source", "note")
    method = AllocationMethod(table.choice("method", tuple(AllocationMethod)))
    needed = _METHOD_PARAMETERS[method]
    for parameter in _PARAMETERS:
        if parameter in needed and not table.has(parameter):
            raise table.error((parameter,), f"is required by the {method} method")
        if parameter not in needed and table.has(parameter):
            raise table.error((parameter,), f"is not a parameter of the {method} method")
    base_years: tuple[int, ...] = ()
    if table.has("base_years"):
        raw = table.raw["base_years"]
        if (
            not isinstance(raw, list)
            or not raw
            or not all(isinstance(y, int) and _MIN_YEAR <= y <= _MAX_YEAR for y in raw)
        ):
            raise table.error(("base_years",), f"must be a non-empty array of years, got {raw!r}")
        base_years = tuple(raw)
    return SectorAllocation(
        sector=sector,
        method=method,
        free_share=table.share("free_share"),
        output_unit=table.text("output_unit") if table.has("output_unit") else None,
        benchmark=table.optional_decimal("benchmark"),
        adjustment_factor=table.optional_decimal("adjustment_factor"),
        decline_factor=table.optional_decimal("decline_factor"),
        base_years=base_years,
        electricity_factor=table.optional_decimal("electricity_factor"),
        illustrative=table.boolean("illustrative"),
        source=table.text("source"),
    )


def _offsets(table: _Table) -> OffsetRules:
    table.only(
        "limit_share",
        "basis",
        "local_ccer_share",
        "local_province",
        "schemes",
        "excluded_types",
        "market_cap_tonnes",
        "source",
        "note",
    )
    local_share = table.share("local_ccer_share")
    province = table.text("local_province") if table.has("local_province") else None
    if local_share > 0 and province is None:
        raise table.error(("local_province",), "is required when local_ccer_share > 0")
    return OffsetRules(
        limit_share=table.share("limit_share"),
        basis=OffsetBasis(table.choice("basis", tuple(OffsetBasis))),
        local_ccer_share=local_share,
        local_province=province,
        schemes=table.choices("schemes", SCHEMES),
        excluded_types=table.choices("excluded_types", PROJECT_TYPES),
        market_cap_tonnes=table.optional_integer("market_cap_tonnes", minimum=1),
        source=table.text("source"),
    )


def _deadlines(table: _Table) -> Deadlines:
    names = ("report", "verification", "offset_request", "surrender", "allocation")
    table.only(*names, "source", "note")
    days = {name: table.month_day(name) for name in names}
    order = ("report", "verification", "offset_request", "surrender")
    for earlier, later in itertools.pairwise(order):
        if (days[later].month, days[later].day) < (days[earlier].month, days[earlier].day):
            raise table.error((later,), f"({days[later]}) is before {earlier} ({days[earlier]})")
    return Deadlines(**days, source=table.text("source"))


def _penalty(table: _Table) -> PenaltyTerms:
    table.only(
        "kind",
        "deduction_multiple",
        "fine_fen",
        "price_multiple_min",
        "price_multiple_max",
        "price_window_months",
        "source",
        "note",
    )
    kind = FineKind(table.choice("kind", tuple(FineKind)))
    if kind is FineKind.FIXED_FINE:
        for name in ("price_multiple_min", "price_multiple_max", "price_window_months"):
            if table.has(name):
                raise table.error((name,), f"is not used by a {kind} penalty")
        fine: int | None = table.integer("fine_fen")
        low = high = None
        window = None
    else:
        if table.has("fine_fen"):
            raise table.error(("fine_fen",), f"is not used by a {kind} penalty")
        fine = None
        low = table.decimal("price_multiple_min")
        high = table.decimal("price_multiple_max")
        if high < low:
            raise table.error(("price_multiple_max",), f"({high}) is below the minimum ({low})")
        window = table.integer("price_window_months", minimum=1)
    return PenaltyTerms(
        kind=kind,
        deduction_multiple=table.integer("deduction_multiple"),
        fine_fen=fine,
        price_multiple_min=low,
        price_multiple_max=high,
        price_window_months=window,
        source=table.text("source"),
    )


# -- JSON --------------------------------------------------------------------------------------


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def jurisdiction_view(j: JurisdictionYear) -> dict[str, Any]:
    """The JSON document of a resolved configuration: decimals as strings, deadlines as ISO
    dates of year N+1 (``openets jurisdiction show NAME --year N --json``)."""
    deadlines: dict[str, Any] = {
        name: day.isoformat() for name, day in j.deadlines.dates(j.year).items()
    }
    deadlines["source"] = j.deadlines.source
    return {
        "name": j.name,
        "year": j.year,
        "title": j.title,
        "instrument": j.instrument,
        "allowance_code": j.allowance_code,
        "coverage": {
            "sectors": [s.value for s in j.coverage.sectors],
            "threshold_tco2": j.coverage.threshold_tco2,
            "threshold_tce": j.coverage.threshold_tce,
            "datacentre_racks": j.coverage.datacentre_racks,
            "source": j.coverage.source,
        },
        "cap": {"tonnes": j.cap.tonnes, "illustrative": j.cap.illustrative, "source": j.cap.source},
        "allocation": {
            sector.value: {
                "method": a.method.value,
                "free_share": str(a.free_share),
                "output_unit": a.output_unit,
                "benchmark": _number(a.benchmark),
                "adjustment_factor": _number(a.adjustment_factor),
                "decline_factor": _number(a.decline_factor),
                "base_years": list(a.base_years),
                "electricity_factor": _number(a.electricity_factor),
                "illustrative": a.illustrative,
                "source": a.source,
            }
            for sector, a in j.allocation.items()
        },
        "offsets": {
            "limit_share": str(j.offsets.limit_share),
            "basis": j.offsets.basis.value,
            "local_ccer_share": str(j.offsets.local_ccer_share),
            "local_province": j.offsets.local_province,
            "schemes": list(j.offsets.schemes),
            "excluded_types": list(j.offsets.excluded_types),
            "market_cap_tonnes": j.offsets.market_cap_tonnes,
            "source": j.offsets.source,
        },
        "deadlines": deadlines,
        "penalty": {
            "kind": j.penalty.kind.value,
            "deduction_multiple": j.penalty.deduction_multiple,
            "fine_fen": j.penalty.fine_fen,
            "price_multiple_min": _number(j.penalty.price_multiple_min),
            "price_multiple_max": _number(j.penalty.price_multiple_max),
            "price_window_months": j.penalty.price_window_months,
            "source": j.penalty.source,
        },
        "overrides": list(j.overrides),
    }
