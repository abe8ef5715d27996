"""Product carbon footprints, cradle to gate (optionally to grave).

Every line is ``quantity × factor`` (kgCO2e per unit of the quantity):

- **materials**: kg (or any unit) of each material × its factor;
- **energy**: electricity by the grid factor, heat, fuels by the MRV factors;
- **transport**: tonne-km × the mode's factor;
- **processes**: direct process emissions (quantity × factor);
- cradle to grave adds **distribution**, **use** and **end_of_life** lines.

A line without ``factor`` takes the default of :mod:`openets.labels.factors` and records its
source. When the process also makes co-products, the product's share of the burden is its
mass (or economic value) over that of all outputs (ISO 14067 / ISO 14044 allocation); every
line is multiplied by that share.

Arithmetic is ``Decimal`` and exact up to the allocation share (a quotient, computed to 34
significant digits). Reported figures (each line, each stage, the total and the per-unit
footprint) are rounded **half-up to 4 decimal places** of kgCO2e, each from the exact value
(so stage figures may differ from the total in the 4th decimal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from openets.errors import InvalidInput
from openets.labels.factors import DefaultFactor, LabelFactorTable, default_year

__all__ = [
    "Allocation",
    "AllocationMethod",
    "Boundary",
    "Footprint",
    "FootprintLine",
    "FootprintRequest",
    "InputLine",
    "Stage",
    "compute_footprint",
    "footprint_view",
    "parse_footprint_request",
    "reported",
]

#: Decimal places of every reported kgCO2e figure (rounded half-up).
PLACES = Decimal("0.0001")
ROUNDING_NOTE = "kgCO2e rounded half-up to 4 decimal places, each from the exact value"
_DIVISION = Context(prec=34)
#: Products of bounded inputs stay exact in this context, and quantize to 4 places in it.
_WIDE = Context(prec=80)
#: The largest magnitude of an input number (quantity, factor, output, allocation amount).
MAX_NUMBER = Decimal(10) ** 15
_MAX_LINES = 1000


class Stage(StrEnum):
    """A life-cycle stage of a footprint (the ``by_stage`` keys)."""

    MATERIALS = "materials"
    ENERGY = "energy"
    TRANSPORT = "transport"
    PROCESSES = "processes"
    DISTRIBUTION = "distribution"
    USE = "use"
    END_OF_LIFE = "end_of_life"


class Boundary(StrEnum):
    CRADLE_TO_GATE = "cradle-to-gate"
    CRADLE_TO_GRAVE = "cradle-to-grave"


_GATE_STAGES = (Stage.MATERIALS, Stage.ENERGY, Stage.TRANSPORT, Stage.PROCESSES)
_GRAVE_STAGES = (Stage.DISTRIBUTION, Stage.USE, Stage.END_OF_LIFE)
#: The stages ``by_stage`` always shows (the CLI contract); others only when they have lines.
_CONTRACT_STAGES = (Stage.MATERIALS, Stage.ENERGY, Stage.TRANSPORT)


class AllocationMethod(StrEnum):
    MASS = "mass"
    VALUE = "value"


@dataclass(frozen=True, slots=True)
class Allocation:
    """Co-product allocation: the product's ``amount`` (mass or value) and the co-products'."""

    method: AllocationMethod
    product: Decimal
    co_products: tuple[tuple[str, Decimal], ...]

    @property
    def share(self) -> Decimal:
        """The product's share of the burden: its amount over the amount of all outputs."""
        whole = self.product + sum((amount for _, amount in self.co_products), Decimal(0))
        return _DIVISION.divide(self.product, whole)


@dataclass(frozen=True, slots=True)
class InputLine:
    """One line as given: ``factor`` None means "use the default"."""

    stage: Stage
    name: str
    quantity: Decimal
    unit: str
    factor: Decimal | None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class FootprintRequest:
    """A footprint to compute: the product, its declared unit, how many declared units the
    lines produce (``output``), the lines, and an optional co-product allocation."""

    product: str
    declared_unit: str
    output: Decimal
    lines: tuple[InputLine, ...]
    year: int | None = None
    boundary: Boundary = Boundary.CRADLE_TO_GATE
    allocation: Allocation | None = None


@dataclass(frozen=True, slots=True)
class FootprintLine:
    """A computed line: its factor (kgCO2e per unit), where the factor came from, and its
    exact kgCO2e after allocation."""

    stage: Stage
    name: str
    quantity: Decimal
    unit: str
    factor: Decimal
    factor_source: str
    factor_version: str | None
    kgco2e: Decimal


@dataclass(frozen=True, slots=True)
class Footprint:
    """A product's footprint: exact totals (kgCO2e), per stage and per declared unit."""

    request: FootprintRequest
    year: int
    lines: tuple[FootprintLine, ...]
    share: Decimal

    @property
    def stages(self) -> tuple[Stage, ...]:
        grave = self.request.boundary is Boundary.CRADLE_TO_GRAVE
        return _GATE_STAGES + (_GRAVE_STAGES if grave else ())

    @property
    def total(self) -> Decimal:
        return _exact_sum(line.kgco2e for line in self.lines)

    @property
    def per_unit(self) -> Decimal:
        return _DIVISION.divide(self.total, self.request.output)

    def by_stage(self) -> dict[Stage, Decimal]:
        """kgCO2e by stage: materials, energy and transport always (the CLI contract's keys),
        any other stage of the boundary only when it has lines."""
        present = {line.stage for line in self.lines}
        sums = {
            stage: Decimal(0)
            for stage in self.stages
            if stage in _CONTRACT_STAGES or stage in present
        }
        for line in self.lines:
            sums[line.stage] = _WIDE.add(sums[line.stage], line.kgco2e)
        return sums


def _exact_sum(values: Iterable[Decimal]) -> Decimal:
    total = Decimal(0)
    for value in values:
        total = _WIDE.add(total, value)
    return total


def reported(value: Decimal) -> str:
    """A kgCO2e figure as reported: half-up to 4 decimal places, as plain text."""
    return f"{value.quantize(PLACES, rounding=ROUND_HALF_UP, context=_WIDE):f}"


def compute_footprint(request: FootprintRequest, table: LabelFactorTable) -> Footprint:
    """The footprint of ``request``, with defaults from ``table`` for lines without a factor.

    Raises :class:`InvalidInput` naming the line whose item has no default factor.
    """
    year = request.year if request.year is not None else default_year(table.library)
    share = request.allocation.share if request.allocation is not None else Decimal(1)
    lines = []
    for line in request.lines:
        if line.stage in _GRAVE_STAGES and request.boundary is not Boundary.CRADLE_TO_GRAVE:
            raise InvalidInput(
                f"{line.stage} line {line.name!r}: only a cradle-to-grave footprint has "
                "distribution, use and end-of-life lines"
            )
        if line.factor is not None:
            factor, source, version = line.factor, line.source or "given", None
        else:
            found = _default(line, year, table)
            factor, source, version = found.value, found.source, found.version
        lines.append(
            FootprintLine(
                stage=line.stage,
                name=line.name,
                quantity=line.quantity,
                unit=line.unit,
                factor=factor,
                factor_source=source,
                factor_version=version,
                kgco2e=_WIDE.multiply(_WIDE.multiply(line.quantity, factor), share),
            )
        )
    return Footprint(request, year, tuple(lines), share)


def _default(line: InputLine, year: int, table: LabelFactorTable) -> DefaultFactor:
    if line.stage is Stage.MATERIALS:
        return table.material(line.name, line.unit)
    if line.stage is Stage.ENERGY:
        return table.energy(line.name, line.unit, year)
    if line.stage is Stage.TRANSPORT:
        return table.transport_mode(line.name)
    raise InvalidInput(f"{line.stage} line {line.name!r}: give its 'factor' (kgCO2e per unit)")


# --- the JSON form ---------------------------------------------------------------------------


def footprint_view(footprint: Footprint) -> dict[str, Any]:
    """The JSON document of a footprint (the CLI's ``--json`` and the API's answer)."""
    request = footprint.request
    allocation = request.allocation
    sources = sorted(
        {
            (line.factor_version, line.factor_source)
            for line in footprint.lines
            if line.factor_version is not None
        }
    )
    return {
        "product": request.product,
        "declared_unit": request.declared_unit,
        "output": _plain(request.output),
        "boundary": request.boundary.value,
        "year": footprint.year,
        "per_unit_kgco2e": reported(footprint.per_unit),
        "total_kgco2e": reported(footprint.total),
        "by_stage": {stage.value: reported(v) for stage, v in footprint.by_stage().items()},
        "lines": [
            {
                "stage": line.stage.value,
                "name": line.name,
                "quantity": _plain(line.quantity),
                "unit": line.unit,
                "factor": _plain(line.factor),
                "factor_source": line.factor_source,
                "factor_version": line.factor_version,
                "kgco2e": reported(line.kgco2e),
            }
            for line in footprint.lines
        ],
        "allocation": None
        if allocation is None
        else {
            "method": allocation.method.value,
            "product": _plain(allocation.product),
            "co_products": [
                {"name": name, "amount": _plain(amount)} for name, amount in allocation.co_products
            ],
            "share": f"{footprint.share.quantize(Decimal('0.000001'), ROUND_HALF_UP):f}",
        },
        "factor_sources": [{"version": version, "source": source} for version, source in sources],
        "rounding": ROUNDING_NOTE,
    }


def _plain(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- parsing --------------------------------------------------------------------------------


def parse_footprint_request(data: Any) -> FootprintRequest:
    """A :class:`FootprintRequest` from its JSON form (numbers as JSON numbers or strings;
    read JSON with ``parse_float=Decimal`` to keep them exact)."""
    if not isinstance(data, Mapping):
        raise InvalidInput("a footprint file is a JSON object")
    known = {
        "product", "declared_unit", "output", "year", "boundary", "allocation",
        "verifier",  # who verified the data: read when a label is issued, not by the footprint
        *(stage.value for stage in Stage),
    }  # fmt: skip
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(f"unknown footprint field(s): {', '.join(unknown)}")
    product = _text(data, "product", "footprint")
    declared_unit = _text(data, "declared_unit", "footprint")
    output = number(data.get("output"), "footprint: output")
    if output <= 0:
        raise InvalidInput("footprint: output (declared units produced) must be > 0")
    year = data.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise InvalidInput("footprint: year must be a whole year")
    try:
        boundary = Boundary(data.get("boundary", Boundary.CRADLE_TO_GATE.value))
    except ValueError:
        raise InvalidInput(
            f"footprint: boundary must be one of {', '.join(b.value for b in Boundary)}"
        ) from None
    lines: list[InputLine] = []
    for stage in Stage:
        raw = data.get(stage.value, [])
        if not isinstance(raw, list):
            raise InvalidInput(f"footprint: {stage.value} must be a list")
        lines.extend(_line(stage, entry, n) for n, entry in enumerate(raw, start=1))
    if not lines:
        raise InvalidInput("footprint: no lines (materials, energy, transport, processes)")
    if len(lines) > _MAX_LINES:
        raise InvalidInput(f"footprint: at most {_MAX_LINES} lines")
    return FootprintRequest(
        product=product,
        declared_unit=declared_unit,
        output=output,
        lines=tuple(lines),
        year=year,
        boundary=boundary,
        allocation=_allocation(data.get("allocation")),
    )


_NAME_KEY = {Stage.ENERGY: "item", Stage.TRANSPORT: "mode"}
_LINE_KEYS = {"quantity", "unit", "factor", "source"}


def _line(stage: Stage, entry: Any, n: int) -> InputLine:
    where = f"{stage.value} line {n}"
    if not isinstance(entry, Mapping):
        raise InvalidInput(f"{where}: must be an object")
    name_key = _NAME_KEY.get(stage, "name")
    name = _text(entry, name_key, where)
    where = f"{stage.value} line {n} ({name})"
    allowed = (
        {name_key, "tonne_km", "factor", "source"}
        if stage is Stage.TRANSPORT
        else {name_key, *_LINE_KEYS}
    )
    unknown = sorted(set(entry) - allowed)
    if unknown:  # a misspelt "factor" must not fall back silently to the default
        raise InvalidInput(f"{where}: unknown field(s): {', '.join(map(str, unknown))}")
    if stage is Stage.TRANSPORT:
        quantity, unit = number(entry.get("tonne_km"), f"{where}: tonne_km"), "tonne_km"
    else:
        quantity = number(entry.get("quantity"), f"{where}: quantity")
        unit = _text(entry, "unit", where)
    if quantity < 0:
        raise InvalidInput(f"{where}: the quantity must not be negative")
    factor = None
    if entry.get("factor") is not None:
        factor = number(entry["factor"], f"{where}: factor")
        if factor < 0:
            raise InvalidInput(f"{where}: the factor must not be negative")
    source = entry.get("source")
    if source is not None and not isinstance(source, str):
        raise InvalidInput(f"{where}: source must be text")
    return InputLine(stage, name, quantity, unit, factor, source)


def _allocation(raw: Any) -> Allocation | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise InvalidInput("allocation must be an object")
    try:
        method = AllocationMethod(str(raw.get("method")))
    except ValueError:
        raise InvalidInput("allocation: method must be mass or value") from None
    product = number(raw.get("product"), "allocation: product")
    co_raw = raw.get("co_products")
    if not isinstance(co_raw, list) or not co_raw:
        raise InvalidInput("allocation: co_products must be a non-empty list")
    co_products = []
    for n, entry in enumerate(co_raw, start=1):
        if not isinstance(entry, Mapping):
            raise InvalidInput(f"allocation: co-product {n} must be an object")
        name = _text(entry, "name", f"allocation: co-product {n}")
        amount = number(entry.get("amount"), f"allocation: co-product {name} amount")
        if amount < 0:
            raise InvalidInput(f"allocation: co-product {name} amount must not be negative")
        co_products.append((name, amount))
    if product <= 0:
        raise InvalidInput(f"allocation: the product's {method.value} must be > 0")
    return Allocation(method, product, tuple(co_products))


def number(value: Any, where: str) -> Decimal:
    """A finite decimal from a JSON number or numeric string (a float by its shortest repr)."""
    if isinstance(value, bool) or value is None:
        raise InvalidInput(f"{where} must be a number")
    try:
        result = Decimal(str(value)) if isinstance(value, float | str) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(f"{where} must be a number, not {value!r}") from None
    if not result.is_finite():
        raise InvalidInput(f"{where} must be a finite number")
    if abs(result) >= MAX_NUMBER or (result != 0 and abs(result) < Decimal("1e-15")):
        raise InvalidInput(f"{where} must be between 1e-15 and 1e15 in magnitude (or 0)")
    return result


def _text(data: Mapping[str, Any], key: str, where: str, limit: int = 200) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: {key} must be a non-empty string")
    if len(value.strip()) > limit:
        raise InvalidInput(f"{where}: {key} is longer than {limit} characters")
    return value.strip()


def lines_by_name(footprint: Footprint) -> Sequence[tuple[str, Decimal]]:
    """(stage: name, kgCO2e) of every line, largest first (for the by-line chart)."""
    pairs = [(f"{line.stage.value}: {line.name}", line.kgco2e) for line in footprint.lines]
    return sorted(pairs, key=lambda pair: -pair[1])
