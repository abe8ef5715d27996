"""What every methodology shares: the result type, the protocol, and input validation.

Arithmetic is exact, as in :mod:`openets.mrv.calc`: products of finite decimals in a context
that traps any rounding. A methodology with the carbon-to-CO2 ratio 44/12 keeps its figure as a
numerator over 12 and divides once, at the end; the creditable whole tonnes come from the exact
numerator (integer division), so rounding can never credit a tonne that was not earned.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal, Protocol

from openets.errors import InvalidInput
from openets.mrv.calc import EXACT, RESULT, decimal_text

__all__ = [
    "Input",
    "Methodology",
    "Reduction",
    "describe",
    "minus",
    "over",
    "parse_inputs",
    "plus",
    "reduction",
    "text",
    "times",
]

_ZERO = Decimal(0)
_ONE = Decimal(1)
_MAX_DIGITS = 28

Kind = Literal["amount", "share", "year"]


@dataclass(frozen=True, slots=True)
class Reduction:
    """The reductions of one monitoring period.

    ``tonnes``: creditable reductions in whole tCO2e, rounded down (never more than earned,
    never below zero); ``exact``: the net figure before rounding (tCO2e, negative when the
    project emitted more than its baseline); ``detail``: named intermediate figures as
    decimal strings.
    """

    tonnes: int
    exact: Decimal
    detail: dict[str, str]


class Methodology(Protocol):
    """A methodology plug-in: cited, with declared inputs and a pure calculation."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def types(self) -> tuple[str, ...]:
        """The project types it applies to (``distributed_solar``, ``forestry``, ...)."""

    @property
    def source(self) -> str:
        """The cited document(s) the formula and defaults come from."""

    @property
    def inputs(self) -> dict[str, str]:
        """Input name -> unit and meaning (with the default, when there is one)."""

    def calculate(self, inputs: Mapping[str, object]) -> Reduction:
        """The reductions for one monitoring period; bad inputs raise ``InvalidInput``."""
        ...


@dataclass(frozen=True, slots=True)
class Input:
    """One declared input: ``amount`` (≥ 0), ``share`` (0..1) or ``year`` (an integer).

    ``default`` None with ``optional`` False means the input is required.
    """

    name: str
    meaning: str
    kind: Kind = "amount"
    default: Decimal | None = None
    optional: bool = False
    #: the default is a configurable figure not verified against its source
    check: bool = False

    @property
    def description(self) -> str:
        if self.default is not None:
            check = ", check" if self.check else ""
            return f"{self.meaning} (default {decimal_text(self.default)}{check})"
        return f"{self.meaning} (optional)" if self.optional else self.meaning


def describe(specs: tuple[Input, ...]) -> dict[str, str]:
    """The ``inputs`` mapping of a methodology, from its declared inputs."""
    return {spec.name: spec.description for spec in specs}


def parse_inputs(
    code: str, specs: tuple[Input, ...], inputs: Mapping[str, object]
) -> dict[str, Decimal]:
    """Check ``inputs`` against ``specs`` and return every value with a default filled in.

    Optional inputs without a default are present only when given. Refuses (``InvalidInput``,
    naming the input) a missing or unknown input, a value that is not a number (a JSON number
    or a decimal string), a negative value, a share outside [0, 1] and a fractional year.
    """
    if not isinstance(inputs, Mapping):
        raise InvalidInput(f"{code}: inputs must be an object of name -> number")
    known = {spec.name: spec for spec in specs}
    unknown = [name for name in inputs if name not in known]
    if unknown:
        raise InvalidInput(f"{code}: unknown input {unknown[0]!r}; known: {', '.join(known)}")
    values: dict[str, Decimal] = {}
    for spec in specs:
        if spec.name not in inputs:
            if spec.default is not None:
                values[spec.name] = spec.default
            elif not spec.optional:
                raise InvalidInput(f"{code}: missing input {spec.name!r} ({spec.meaning})")
            continue
        values[spec.name] = _value(code, spec, inputs[spec.name])
    return values


def _value(code: str, spec: Input, raw: object) -> Decimal:
    where = f"{code}: input {spec.name!r}"
    value = _number(raw)
    if value is None:
        raise InvalidInput(
            f"{where} must be a number (a JSON number or a decimal string), got {raw!r}"
        )
    # bounds keep every product of a methodology exact within the EXACT context's 400 digits
    if value and (len(value.as_tuple().digits) > _MAX_DIGITS or abs(value.adjusted()) > 30):
        raise InvalidInput(f"{where} is out of range (at most {_MAX_DIGITS} digits), got {raw!r}")
    if spec.kind == "year":
        if value != value.to_integral_value() or value < 1:
            raise InvalidInput(f"{where} must be a year (a whole number), got {raw!r}")
        return value
    if value < _ZERO:
        raise InvalidInput(f"{where} must not be negative, got {raw!r}")
    if spec.kind == "share" and value > _ONE:
        raise InvalidInput(f"{where} is a share and must be between 0 and 1, got {raw!r}")
    return value


def _number(raw: object) -> Decimal | None:
    # bool is an int to Python but never a quantity; floats come from callers in Python (the
    # CLI parses JSON numbers as Decimal), and their repr is the shortest text that reads back
    if isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            return None
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            return None
    else:
        return None
    if not value.is_finite():
        return None
    return value if value else _ZERO  # 0E-999999 is zero too; keep its exponent out


def times(*factors: Decimal) -> Decimal:
    """The exact product of ``factors`` (any rounding would raise)."""
    product = _ONE
    for factor in factors:
        product = EXACT.multiply(product, factor)
    return product


def plus(a: Decimal, b: Decimal) -> Decimal:
    """``a + b``, exactly."""
    return EXACT.add(a, b)


def minus(a: Decimal, b: Decimal) -> Decimal:
    """``a − b``, exactly."""
    return EXACT.subtract(a, b)


def over(numerator: Decimal, divisor: int) -> Decimal:
    """``numerator / divisor`` to 34 significant digits (exact when it terminates)."""
    return RESULT.divide(numerator, Decimal(divisor))


def text(value: Decimal) -> str:
    """A figure for ``Reduction.detail``: plain decimal text."""
    return decimal_text(value)


def reduction(numerator: Decimal, divisor: int, detail: dict[str, Decimal]) -> Reduction:
    """The reduction ``numerator / divisor`` tCO2e; whole tonnes by exact integer division.

    ``divisor`` is 1, or 12 for figures kept as a numerator over 12 (the 44/12 ratio).
    """
    exact = over(numerator, divisor)
    tonnes = int(EXACT.divide_int(numerator, Decimal(divisor))) if numerator > _ZERO else 0
    return Reduction(
        tonnes=tonnes,
        exact=exact,
        detail={name: text(value) for name, value in detail.items()},
    )
