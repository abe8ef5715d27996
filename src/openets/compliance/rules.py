"""The pure compliance rules: what may be surrendered, an entity's status, the penalty.

No I/O happens here and no jurisdiction configuration is read: every limit is an explicit
parameter of :class:`SurrenderContext` or :class:`PenaltyRule`.

Surrender for compliance year N (:func:`check_surrender`), each refusal a
:class:`~openets.errors.RuleViolation` naming the rule and the figures:

- banking: allowances of vintage ≤ N; a vintage > N is "borrowing" and refused;
- jurisdiction: when the context names an allowance family (``GDEA``), other families are
  refused;
- excluded project types: an offset from a project of an excluded type is refused;
- offset limit: offsets already surrendered for the year plus this request ≤
  ``floor(limit share × verified emissions of year N-1)`` (rounded down: the limit is a
  ceiling, so a fraction of a tonne is not allowed);
- local share: local CCER ≥ local share × all CCER used for the year (earlier surrenders plus
  this request), compared exactly with no rounding;
- market cap: offsets already used market-wide for the year plus this request ≤ the cap.

Status (:func:`status`): ``not_required`` for an entity not covered that year; ``pending``
while no verified figure exists, or while the year is open and the entity is still short;
otherwise ``compliant`` (shortfall 0) or ``shortfall``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from fractions import Fraction

from openets.errors import InvalidInput, RuleViolation
from openets.registry.instruments import Instrument, InstrumentFamily, parse_instrument

__all__ = [
    "NATIONAL_MULTIPLE_RANGE",
    "ComplianceStatus",
    "Penalty",
    "PenaltyKind",
    "PenaltyRule",
    "SurrenderContext",
    "SurrenderLine",
    "SurrenderRequest",
    "average_price_fen",
    "check_surrender",
    "offset_limit",
    "penalty",
    "status",
]

_ZERO = Decimal(0)
_ONE = Decimal(1)


def _t(value: int) -> str:
    return f"{value:,} t"


def _pct(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


@dataclass(frozen=True, slots=True)
class SurrenderLine:
    """One instrument in a surrender request. ``vintage`` must match an allowance code's
    vintage (``None`` takes it from the code); offsets have none. ``province`` and
    ``project_type`` describe an offset's project."""

    instrument: str
    vintage: int | None
    quantity: int
    province: str | None = None
    project_type: str | None = None


@dataclass(frozen=True, slots=True)
class SurrenderRequest:
    year: int  # the compliance year N
    lines: tuple[SurrenderLine, ...]


@dataclass(frozen=True, slots=True)
class SurrenderContext:
    """The figures and limits a surrender is checked against."""

    prior_verified: int  # the entity's verified emissions of year N-1, tCO2
    offset_limit_share: Decimal  # e.g. 0.10
    local_share: Decimal  # e.g. 0.70 of CCER from the province
    province: str  # e.g. "Guangdong"
    excluded_types: frozenset[str] = field(default_factory=frozenset)
    market_cap: int | None = None  # market-wide offsets for the year; None: no cap
    market_used: int = 0  # offsets already surrendered market-wide for year N
    entity_offsets_used: int = 0  # offsets already surrendered by this entity for year N
    entity_ccer_used: int = 0  # of which CCER
    entity_ccer_local_used: int = 0  # of which CCER from projects in the province
    allowance_family: str | None = None  # e.g. "GDEA": other allowances refused; None: any


def _count(name: str, value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(f"{name} must be a whole number ≥ 0, not {value!r}")
    return value


def _share(name: str, value: Decimal) -> Decimal:
    if not isinstance(value, Decimal | int) or isinstance(value, bool):
        raise InvalidInput(f"{name} must be a number, not {value!r}")
    value = Decimal(value)
    if not value.is_finite() or not _ZERO <= value <= _ONE:
        raise InvalidInput(f"{name} must be between 0 and 1, not {value}")
    return value


def offset_limit(prior_verified: int, share: Decimal) -> int:
    """``floor(share × prior-year verified emissions)``: the most offsets an entity may use."""
    return int(
        (
            Decimal(_count("prior-year verified emissions", prior_verified))
            * _share("offset limit share", share)
        ).to_integral_value(ROUND_FLOOR)
    )


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def check_surrender(request: SurrenderRequest, context: SurrenderContext) -> None:
    """Refuse (``RuleViolation``) a surrender that breaks a rule; see the module docstring.

    Malformed input (unknown instrument, non-positive quantity, a vintage that contradicts
    the code, an offset without project type or a CCER without province) is ``InvalidInput``.
    """
    year = request.year
    if not request.lines:
        raise InvalidInput("a surrender needs at least one line")
    local_share = _share("local CCER share", context.local_share)
    offsets = ccer = ccer_local = 0
    for line in request.lines:
        instrument = parse_instrument(line.instrument)
        if (
            not isinstance(line.quantity, int)
            or isinstance(line.quantity, bool)
            or line.quantity <= 0
        ):
            raise InvalidInput(
                f"{instrument}: quantity must be a whole number of tonnes > 0, "
                f"not {line.quantity!r}"
            )
        if instrument.is_allowance:
            _check_allowance(line, instrument, year, context)
            continue
        _check_offset_line(line, instrument, context)
        offsets += line.quantity
        if instrument.family is InstrumentFamily.CCER:
            ccer += line.quantity
            if line.province is not None and _same(line.province, context.province):
                ccer_local += line.quantity
    if not offsets:
        return
    _check_offset_limit(year, offsets, context)
    _check_local_share(ccer, ccer_local, local_share, context)
    _check_market_cap(year, offsets, context)


def _check_allowance(
    line: SurrenderLine, instrument: Instrument, year: int, context: SurrenderContext
) -> None:
    vintage = instrument.vintage
    assert vintage is not None
    if line.vintage is not None and line.vintage != vintage:
        raise InvalidInput(f"{instrument}: vintage {line.vintage} contradicts the code")
    if vintage > year:
        raise RuleViolation(
            f"borrowing refused: {instrument} has vintage {vintage}, after compliance "
            f"year {year} (only vintages ≤ {year} may be surrendered)"
        )
    family = context.allowance_family
    if family is not None and instrument.family.value != family:
        raise RuleViolation(
            f"wrong jurisdiction: {instrument} cannot be surrendered here, only {family} allowances"
        )


def _check_offset_line(
    line: SurrenderLine, instrument: Instrument, context: SurrenderContext
) -> None:
    if line.vintage is not None:
        raise InvalidInput(f"{instrument} is an offset credit and has no vintage")
    if not line.project_type:
        raise InvalidInput(f"{instrument}: the project type of the credit is missing")
    excluded = {kind.strip().lower() for kind in context.excluded_types}
    if line.project_type.strip().lower() in excluded:
        raise RuleViolation(
            f"excluded project type: {line.quantity:,} t of {instrument} come from a "
            f"{line.project_type} project, a type excluded this year "
            f"({', '.join(sorted(context.excluded_types))})"
        )
    if instrument.family is InstrumentFamily.CCER and not line.province:
        raise InvalidInput("CCER: the province of the credit's project is missing")


def _check_offset_limit(year: int, offsets: int, context: SurrenderContext) -> None:
    limit = offset_limit(context.prior_verified, context.offset_limit_share)
    used = _count("offsets already surrendered", context.entity_offsets_used)
    if used + offsets > limit:
        raise RuleViolation(
            f"offset limit: offsets may cover at most {_pct(context.offset_limit_share)} of the "
            f"{year - 1} verified emissions {_t(context.prior_verified)} = {_t(limit)}; "
            f"already surrendered {_t(used)} + requested {_t(offsets)} = {_t(used + offsets)}"
        )


def _check_local_share(
    ccer: int, ccer_local: int, local_share: Decimal, context: SurrenderContext
) -> None:
    if not ccer:
        return
    total = _count("CCER already surrendered", context.entity_ccer_used) + ccer
    local = _count("local CCER already surrendered", context.entity_ccer_local_used) + ccer_local
    if Decimal(local) < local_share * total:
        raise RuleViolation(
            f"local CCER share: at least {_pct(local_share)} of the CCER used must come from "
            f"projects in {context.province}; {_t(local)} of {_t(total)} do"
        )


def _check_market_cap(year: int, offsets: int, context: SurrenderContext) -> None:
    cap = context.market_cap
    if cap is None:
        return
    used = _count("offsets used market-wide", context.market_used)
    if used + offsets > cap:
        raise RuleViolation(
            f"market offset cap: at most {_t(cap)} of offsets for {year} market-wide; "
            f"already used {_t(used)} + requested {_t(offsets)} = {_t(used + offsets)}"
        )


class ComplianceStatus(StrEnum):
    COMPLIANT = "compliant"
    SHORTFALL = "shortfall"
    PENDING = "pending"
    NOT_REQUIRED = "not_required"


def status(
    verified: int | None,
    surrendered_allowances: int,
    surrendered_offsets: int,
    *,
    required: bool = True,
    closed: bool = True,
) -> tuple[int, ComplianceStatus]:
    """``(shortfall, status)`` of one entity for one year.

    ``shortfall = max(0, verified - allowances - offsets)``. Not required: ``(0,
    not_required)``. No verified figure yet: ``(0, pending)``. Short while the year is still
    open (``closed=False``): ``(shortfall, pending)``; once closed: ``(shortfall, shortfall)``.
    """
    covered = _count("surrendered allowances", surrendered_allowances) + _count(
        "surrendered offsets", surrendered_offsets
    )
    if not required:
        return 0, ComplianceStatus.NOT_REQUIRED
    if verified is None:
        return 0, ComplianceStatus.PENDING
    shortfall = max(0, _count("verified emissions", verified) - covered)
    if not shortfall:
        return 0, ComplianceStatus.COMPLIANT
    return shortfall, ComplianceStatus.SHORTFALL if closed else ComplianceStatus.PENDING


class PenaltyKind(StrEnum):
    GUANGDONG = "guangdong"
    SHENZHEN = "shenzhen"
    NATIONAL = "national"


#: the national fine multiple range (2024 regulations: 5 to 10 times the shortfall's value)
NATIONAL_MULTIPLE_RANGE = (Decimal(5), Decimal(10))


@dataclass(frozen=True, slots=True)
class PenaltyRule:
    """A penalty rule: ``deduction = deduction_multiple × shortfall`` tonnes from next year's
    allocation; ``fine = fixed_fine_fen (when short) + price_multiple × shortfall × price``."""

    kind: PenaltyKind
    deduction_multiple: int = 0
    fixed_fine_fen: int = 0
    price_multiple: Decimal = _ZERO

    @classmethod
    def guangdong(cls, deduction_multiple: int = 2, fine_fen: int = 5_000_000) -> PenaltyRule:
        """Twice the shortfall deducted; a fine of ¥50,000 (5,000,000 fen)."""
        return cls(PenaltyKind.GUANGDONG, deduction_multiple, fine_fen)

    @classmethod
    def shenzhen(
        cls, price_multiple: Decimal = Decimal(3), deduction_multiple: int = 0
    ) -> PenaltyRule:
        """Shortfall × 3 × the average price of the previous 6 months."""
        return cls(PenaltyKind.SHENZHEN, deduction_multiple, 0, price_multiple)

    @classmethod
    def national(cls, multiple: Decimal, deduction_multiple: int = 1) -> PenaltyRule:
        """A fine of ``multiple`` (5-10) × the shortfall's value; the shortfall deducted."""
        low, high = NATIONAL_MULTIPLE_RANGE
        if not low <= Decimal(multiple) <= high:
            raise InvalidInput(
                f"the national fine multiple must be between 5 and 10, not {multiple}"
            )
        return cls(PenaltyKind.NATIONAL, deduction_multiple, 0, Decimal(multiple))


@dataclass(frozen=True, slots=True)
class Penalty:
    deduction_next_year: int  # tonnes
    fine_fen: int


def penalty(
    rule: PenaltyRule, shortfall: int, price_fen: Fraction | Decimal | int | None = None
) -> Penalty:
    """The penalty for ``shortfall`` tonnes under ``rule``.

    ``price_fen`` is the price per tonne in fen (Shenzhen: the average of the previous 6
    months, see :func:`average_price_fen`; national: the reference price); it is needed when
    the rule has a price multiple. The fine is computed exactly (a ``Fraction``, so an average
    price of 3,041.8333… fen loses nothing) and rounded half-up to whole fen once, at the end.
    No shortfall: no penalty.
    """
    _count("shortfall", shortfall)
    _count("deduction multiple", rule.deduction_multiple)
    _count("fixed fine", rule.fixed_fine_fen)
    if not shortfall:
        return Penalty(0, 0)
    fine = Fraction(rule.fixed_fine_fen)
    if rule.price_multiple:
        if price_fen is None:
            raise InvalidInput(f"the {rule.kind} penalty needs the price per tonne in fen")
        if isinstance(price_fen, Decimal) and not price_fen.is_finite():
            raise InvalidInput(f"the price must be ≥ 0 fen per tonne, not {price_fen}")
        price = Fraction(price_fen)
        if price < 0:
            raise InvalidInput(f"the price must be ≥ 0 fen per tonne, not {price_fen}")
        fine += Fraction(rule.price_multiple) * shortfall * price
    return Penalty(rule.deduction_multiple * shortfall, math.floor(fine + Fraction(1, 2)))


def average_price_fen(prices_fen: Sequence[int]) -> Fraction:
    """The exact average of prices in fen per tonne (e.g. the previous 6 months' prices)."""
    if not prices_fen:
        raise InvalidInput("an average price needs at least one price")
    for price in prices_fen:
        _count("price in fen", price)
    return Fraction(sum(prices_fen), len(prices_fen))
