"""Exact emission calculation from activity data (Chinese enterprise accounting guidelines).

Formulas, per activity line (quantity AD in the unit of its source):

- combustion: ``E = AD × NCV × CC × OF × 44/12`` (NCV in GJ/unit, CC in tC/GJ, OF a fraction),
  or ``E = AD × ef`` when the line gives a measured ``ef`` (tCO2/unit);
- electricity: ``E = MWh × grid factor`` (tCO2/MWh); heat: ``E = GJ × heat factor`` (tCO2/GJ);
- process: ``E = t × process factor`` (tCO2/t), or the line's ``ef``;
- biomass: as combustion from the line's own NCV and CC (OF 1 when not given) or ``AD × ef``;
  reported in ``biomass_tco2``, never counted in the total.

Measured values on a line (``ncv``, ``cc``, ``of``, ``ef``) override the defaults of the factor
library for that line only; the line records which ones it used.

Arithmetic is ``Decimal``. Every emission is written as ``N / 12`` where the numerator
``N = AD × NCV × CC × OF × 44`` (or ``AD × ef × 12``) is a product of finite decimals and so is
computed exactly (a 400-digit context that traps any rounding). The one inexact step is the
division by 12, done once per reported figure and correctly rounded to 34 significant digits
(IEEE decimal128). Dividing last rather than multiplying by a rounded 44/12 means a line's figure,
a source's sum and a facility's total are each the correctly rounded value of the exact one, and
the total is the same however the lines are grouped (per line, or summed per stream first:
see :func:`calculate_columns`). The compliance figure rounds the exact total half-up to whole
tonnes, computed on the exact numerator, so a total of exactly x.5 always rounds up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any

import numpy as np

from openets.errors import InvalidInput
from openets.mrv.factors import FactorLibrary, Factors
from openets.mrv.model import (
    ActivityColumns,
    ActivityLine,
    ActivityStream,
    FacilityResult,
    LineResult,
    SourceKind,
    Unit,
)

__all__ = [
    "EXACT",
    "RESULT",
    "BulkCalculation",
    "StreamFactors",
    "calculate",
    "calculate_bulk",
    "calculate_columns",
    "calculation_view",
    "decimal_text",
    "facility_view",
    "line_view",
    "stream_factors",
]

#: exact products and sums: any rounding raises instead of passing silently
EXACT = Context(
    prec=400,
    rounding=ROUND_HALF_UP,
    Emin=-999_999,
    Emax=999_999,
    traps=[InvalidOperation, Inexact, Overflow, DivisionByZero],
)
#: reported figures: the exact numerator divided by 12, rounded to 34 significant digits
RESULT = Context(prec=34, rounding=ROUND_HALF_UP, traps=[InvalidOperation, DivisionByZero])

_TWELVE = Decimal(12)
_FORTY_FOUR = Decimal(44)
_HALF_NUMERATOR = Decimal(6)  # 0.5 tCO2 as a numerator over 12
_ZERO = Decimal(0)
_ONE = Decimal(1)

_FUEL_UNITS = (Unit.TONNE, Unit.TEN_THOUSAND_NM3)
_MEASURED_VERSION = "measured"
#: sources whose emissions count towards the total, in report order
_COUNTED = tuple(s for s in SourceKind if s is not SourceKind.BIOMASS)


@dataclass(frozen=True, slots=True)
class StreamFactors:
    """How the rows of one stream turn into emissions: ``tCO2 = quantity × numerator / 12``.

    ``numerator`` is exact: ``NCV × CC × OF × 44`` for combustion, ``ef × 12`` otherwise.
    """

    factors: dict[str, Decimal]
    measured: tuple[str, ...]
    version: str
    numerator: Decimal
    counted: bool

    @property
    def tco2_per_unit(self) -> Decimal:
        """tCO2 per unit of quantity, rounded to 34 significant digits."""
        return RESULT.divide(self.numerator, _TWELVE)


def stream_factors(stream: ActivityStream, library: FactorLibrary) -> StreamFactors:
    """Resolve the factors of a stream (defaults from ``library``, overridden by measured values).

    Raises :class:`InvalidInput` (without a row number) for an unknown item, a unit that does
    not fit the source, or measured values that do not apply to the source.
    """
    source = stream.source
    if source is SourceKind.COMBUSTION:
        defaults = library.combustion(stream.item, stream.year)
        _check_unit(stream, defaults.unit)
        return _combustion(stream, defaults, counted=True)
    if source is SourceKind.BIOMASS:
        if stream.unit not in _FUEL_UNITS:
            raise InvalidInput(
                f"biomass is measured in t or 10^4 Nm3, not {stream.unit.value} "
                f"(item {stream.item!r})"
            )
        return _combustion(stream, None, counted=False)
    if stream.ncv is not None or stream.cc is not None or stream.of is not None:
        raise InvalidInput(
            f"ncv, cc and of apply to combustion and biomass only, not to {source.value} "
            f"(item {stream.item!r}); give ef instead"
        )
    if source is SourceKind.ELECTRICITY:
        if stream.item != "grid":
            raise InvalidInput(f"unknown electricity item {stream.item!r}; known: grid")
        defaults = library.grid(stream.year)
    elif source is SourceKind.HEAT:
        if stream.item != "heat":
            raise InvalidInput(f"unknown heat item {stream.item!r}; known: heat")
        defaults = library.heat(stream.year)
    else:
        defaults = library.process(stream.item, stream.year)
    _check_unit(stream, defaults.unit)
    if stream.ef is not None:
        return StreamFactors(
            {"ef": stream.ef}, ("ef",), defaults.version, _times(stream.ef, _TWELVE), True
        )
    ef = defaults["ef"]
    return StreamFactors({"ef": ef}, (), defaults.version, _times(ef, _TWELVE), True)


def _combustion(stream: ActivityStream, defaults: Factors | None, counted: bool) -> StreamFactors:
    version = defaults.version if defaults is not None else _MEASURED_VERSION
    if stream.ef is not None:
        if stream.ncv is not None or stream.cc is not None or stream.of is not None:
            raise InvalidInput(
                f"give either ef or ncv/cc/of for {stream.item!r}, not both "
                "(ef already includes them)"
            )
        return StreamFactors(
            {"ef": stream.ef}, ("ef",), version, _times(stream.ef, _TWELVE), counted
        )
    measured = tuple(
        name for name, value in (("ncv", stream.ncv), ("cc", stream.cc), ("of", stream.of))
        if value is not None
    )  # fmt: skip
    if defaults is None:  # biomass: there are no defaults to fall back on
        if stream.ncv is None or stream.cc is None:
            raise InvalidInput(
                f"biomass {stream.item!r} needs measured ncv and cc (of defaults to 1), or ef"
            )
        ncv, cc, of = stream.ncv, stream.cc, stream.of if stream.of is not None else _ONE
    else:
        ncv = stream.ncv if stream.ncv is not None else defaults["ncv"]
        cc = stream.cc if stream.cc is not None else defaults["cc"]
        of = stream.of if stream.of is not None else defaults["of"]
    numerator = _times(_times(_times(ncv, cc), of), _FORTY_FOUR)
    return StreamFactors({"ncv": ncv, "cc": cc, "of": of}, measured, version, numerator, counted)


def _check_unit(stream: ActivityStream, unit: Unit) -> None:
    if stream.unit is not unit:
        raise InvalidInput(
            f"{stream.source.value} item {stream.item!r} is measured in {unit.value}, "
            f"not {stream.unit.value}"
        )


def _times(a: Decimal, b: Decimal) -> Decimal:
    try:
        return EXACT.multiply(a, b)
    except Inexact:
        raise InvalidInput(f"{a} × {b} has too many digits to compute exactly") from None


def _resolve(stream: ActivityStream, library: FactorLibrary, row: int) -> StreamFactors:
    try:
        return stream_factors(stream, library)
    except InvalidInput as error:
        raise InvalidInput(f"row {row}: {error.message}") from None


def _factor_key(stream: ActivityStream) -> tuple[Any, ...]:
    """What a stream's factors depend on: everything but the facility."""
    return (
        stream.year, stream.source, stream.item, stream.unit,
        stream.ncv, stream.cc, stream.of, stream.ef,
    )  # fmt: skip


@dataclass(slots=True)
class _Facility:
    """Exact numerators (emissions × 12) of one facility-year while lines are added."""

    facility_id: str
    year: int
    by_source: dict[SourceKind, Decimal] = field(default_factory=dict)
    lines: list[LineResult] = field(default_factory=list)

    def add(self, source: SourceKind, numerator: Decimal) -> None:
        self.by_source[source] = EXACT.add(self.by_source.get(source, _ZERO), numerator)

    def result(self) -> FacilityResult:
        counted = _ZERO
        by_source: dict[str, Decimal] = {}
        for source in _COUNTED:
            numerator = self.by_source.get(source)
            if numerator is not None:
                counted = EXACT.add(counted, numerator)
                by_source[source.value] = RESULT.divide(numerator, _TWELVE)
        biomass = self.by_source.get(SourceKind.BIOMASS, _ZERO)
        # round half-up on the exact value: floor((N + 6) / 12) = floor(N/12 + 1/2)
        compliance = int(EXACT.divide_int(EXACT.add(counted, _HALF_NUMERATOR), _TWELVE))
        return FacilityResult(
            facility_id=self.facility_id,
            year=self.year,
            total_tco2=RESULT.divide(counted, _TWELVE),
            compliance_tco2=compliance,
            by_source=by_source,
            biomass_tco2=RESULT.divide(biomass, _TWELVE),
            lines=tuple(self.lines),
        )


def calculate(lines: Sequence[ActivityLine], library: FactorLibrary) -> list[FacilityResult]:
    """Emissions per facility and year from activity lines, exactly, with a result per line.

    Facilities come in the order their first line appears. Raises :class:`InvalidInput` naming
    the row of the first bad line (negative quantity, unknown item, unit that does not fit).
    """
    resolved: dict[tuple[Any, ...], StreamFactors] = {}
    facilities: dict[tuple[str, int], _Facility] = {}
    for line in lines:
        if not line.quantity.is_finite() or line.quantity < 0:
            raise InvalidInput(
                f"row {line.row}: quantity must not be negative, got {line.quantity}"
            )
        stream = ActivityStream(
            line.facility_id, line.year, line.source, line.item, line.unit,
            line.ncv, line.cc, line.of, line.ef,
        )  # fmt: skip
        factors = resolved.get(_factor_key(stream))
        if factors is None:
            factors = resolved[_factor_key(stream)] = _resolve(stream, library, line.row)
        key = (line.facility_id, line.year)
        facility = facilities.get(key)
        if facility is None:
            facility = facilities[key] = _Facility(line.facility_id, line.year)
        try:
            numerator = EXACT.multiply(line.quantity, factors.numerator)
        except Inexact:
            raise InvalidInput(f"row {line.row}: quantity has too many digits") from None
        facility.add(line.source, numerator)
        facility.lines.append(
            LineResult(
                line.row,
                line.source,
                line.item,
                RESULT.divide(numerator, _TWELVE),
                factors.factors,
                factors.measured,
                factors.version,
                factors.counted,
            )
        )
    return [facility.result() for facility in facilities.values()]


@dataclass(frozen=True, slots=True)
class BulkCalculation:
    """A whole file's results computed per stream: exact totals now, each line's figure on
    demand (so a caller writing a million lines need not hold a million result objects).

    ``totals[f]`` is facility-year ``f`` without its lines; ``facility_of_stream[s]`` the
    facility-year of stream ``s``; ``factors[s]`` the factors of stream ``s``.
    """

    columns: ActivityColumns
    factors: tuple[StreamFactors, ...]
    facility_of_stream: tuple[int, ...]
    totals: tuple[FacilityResult, ...]

    def line_order(self) -> list[list[int]]:
        """Per facility-year, the positions of its rows in the file, in file order."""
        facility = np.asarray(self.facility_of_stream, dtype=np.intp)
        of_row = facility[np.asarray(self.columns.stream_of_row, dtype=np.intp)]
        order = np.argsort(of_row, kind="stable")
        bounds = np.cumsum(np.bincount(of_row, minlength=len(self.totals))).tolist()
        flat = order.tolist()
        return [flat[start:stop] for start, stop in zip([0, *bounds], bounds, strict=False)]

    def line_tco2(self, position: int) -> Decimal:
        """tCO2 of the row at ``position`` (34 significant digits)."""
        numerator = self.factors[self.columns.stream_of_row[position]].numerator
        return RESULT.divide(
            EXACT.multiply(Decimal(self.columns.quantity[position]), numerator), _TWELVE
        )

    def line_result(self, position: int) -> LineResult:
        """The result of the row at ``position``, as :func:`calculate` gives it."""
        index = self.columns.stream_of_row[position]
        stream, factors = self.columns.streams[index], self.factors[index]
        return LineResult(
            self.columns.rows[position], stream.source, stream.item, self.line_tco2(position),
            factors.factors, factors.measured, factors.version, factors.counted,
        )  # fmt: skip

    def results(self, *, lines: bool = True) -> list[FacilityResult]:
        """The facility results, with their line results when ``lines``."""
        if not lines:
            return list(self.totals)
        return [
            replace(total, lines=tuple(map(self.line_result, positions)))
            for total, positions in zip(self.totals, self.line_order(), strict=True)
        ]


def calculate_bulk(columns: ActivityColumns, library: FactorLibrary) -> BulkCalculation:
    """The totals of :func:`calculate` over ``columns.lines()``, computed per stream.

    Each stream's quantities are summed exactly first, then multiplied by the stream's
    numerator once: ``Σ(AD_i × N) = (Σ AD_i) × N`` holds exactly for decimals, so the totals
    equal the per-line path's digit for digit, for one multiplication per stream instead of
    one per row. Quantities must already be checked (non-negative plain decimals), as the file
    reader does. Raises :class:`InvalidInput` for the first row whose stream has no factors.
    """
    streams = columns.streams
    # streams of many facilities share their factors: resolve each distinct set once
    shared: dict[tuple[Any, ...], StreamFactors] = {}
    for stream, row in zip(streams, columns.first_rows, strict=True):
        key = _factor_key(stream)
        if key not in shared:
            shared[key] = _resolve(stream, library, row)
    factors = tuple(shared[_factor_key(stream)] for stream in streams)
    facilities: dict[tuple[str, int], _Facility] = {}
    facility_of_stream: list[_Facility] = []
    for stream in streams:
        key = (stream.facility_id, stream.year)
        facility = facilities.get(key)
        if facility is None:
            facility = facilities[key] = _Facility(stream.facility_id, stream.year)
        facility_of_stream.append(facility)

    sums = [_ZERO] * len(streams)
    with localcontext(EXACT):
        for index, quantity in zip(columns.stream_of_row, columns.quantity, strict=True):
            sums[index] += Decimal(quantity)
    for stream, stream_sum, resolved, facility in zip(
        streams, sums, factors, facility_of_stream, strict=True
    ):
        facility.add(stream.source, EXACT.multiply(stream_sum, resolved.numerator))
    number = {id(facility): n for n, facility in enumerate(facilities.values())}
    return BulkCalculation(
        columns=columns,
        factors=factors,
        facility_of_stream=tuple(number[id(facility)] for facility in facility_of_stream),
        totals=tuple(facility.result() for facility in facilities.values()),
    )


def calculate_columns(
    columns: ActivityColumns, library: FactorLibrary, *, lines: bool = True
) -> list[FacilityResult]:
    """The same results as :func:`calculate` over ``columns.lines()``, computed in bulk
    (see :func:`calculate_bulk`); line results are only built when ``lines``."""
    return calculate_bulk(columns, library).results(lines=lines)


def decimal_text(value: Decimal) -> str:
    """A decimal as plain text without exponent or trailing zeros ("570.3", "1000", "0")."""
    text = str(value)
    if "E" in text:  # str() writes 1.2E-7 and 1.5E+3; format "f" never uses an exponent
        text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def line_view(line: LineResult) -> dict[str, Any]:
    """One line's result as JSON-ready data (decimals as strings)."""
    return {
        "row": line.row,
        "source": line.source.value,
        "item": line.item,
        "tco2": decimal_text(line.tco2),
        "factors": {name: decimal_text(value) for name, value in line.factors.items()},
        "measured": list(line.measured),
        "factor_version": line.factor_version,
        "counted": line.counted,
    }


def facility_view(result: FacilityResult, *, lines: bool = True) -> dict[str, Any]:
    """A facility-year's result as JSON-ready data; ``lines`` adds the per-line results."""
    view: dict[str, Any] = {
        "facility_id": result.facility_id,
        "year": result.year,
        "total_tco2": decimal_text(result.total_tco2),
        "compliance_tco2": result.compliance_tco2,
        "by_source": {name: decimal_text(value) for name, value in result.by_source.items()},
        "biomass_tco2": decimal_text(result.biomass_tco2),
    }
    if lines:
        view["lines"] = [line_view(line) for line in result.lines]
    return view


def calculation_view(results: Sequence[FacilityResult], *, lines: bool = True) -> dict[str, Any]:
    """The document ``openets mrv calc --json`` prints: ``{"facilities": [...]}``."""
    return {"facilities": [facility_view(result, lines=lines) for result in results]}
