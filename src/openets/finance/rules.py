"""The pure rules of an allowance pledge (碳排放配额质押): its terms, its value at a closing
price, its loan-to-value ratio and coverage, and the level a valuation raises.

No I/O happens here. Money is integer fen, quantities whole tonnes, ratios ``Decimal``; every
comparison below is exact (``Fraction``), never rounded.

- **value** of the pledge on a day = pledged tonnes × that day's closing price (fen per tonne);
- **LTV** (loan-to-value, 质押率) = loan ÷ value;
- **coverage** (履约保障比例) = value ÷ loan, the inverse of the LTV;
- **creation**: refused when ``loan > LTV limit × value`` at the latest close (the lender
  lends at most the limit's share of what the units are worth), or when there is no close;
- **levels** of a valuation: ``ok``; ``warning`` when ``value < margin × loan`` (the margin
  level, 警戒线, as a coverage ratio: 1.3 means the units must be worth 130% of the loan);
  ``call`` when ``value < call level × loan`` (处置线: the lender may enforce);
- **status** of a pledge: ``active``; ``warning`` while its latest valuation is below the
  margin level (``warning`` or ``call``); ``released`` on repayment; ``defaulted`` when the
  units went to the lender;
- **default** may be declared only when the loan is overdue (the business date is after the
  maturity) or the latest valuation is at the call level.

The LTV limit, margin and call levels are configurable per pledge; the defaults (0.5, 1.3,
1.1) are common bank practice, not figures of a regulation (see ``docs/finance.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction

from openets.errors import InvalidInput, RuleViolation

__all__ = [
    "DEFAULT_CALL",
    "DEFAULT_LTV",
    "DEFAULT_MARGIN",
    "Level",
    "PledgeStatus",
    "PledgeTerms",
    "assess",
    "check_creation",
    "check_default",
    "coverage",
    "loan_to_value",
    "parse_ratio",
    "pledge_value",
    "status_after",
]

#: Default loan-to-value limit: the loan at most half the pledged units' value.
DEFAULT_LTV = Decimal("0.5")
#: Default margin level (coverage ratio): a warning below 130% of the loan.
DEFAULT_MARGIN = Decimal("1.3")
#: Default call level (coverage ratio): the lender may enforce below 110% of the loan.
DEFAULT_CALL = Decimal("1.1")
#: Ratios are shown (and stored) to this many decimal places, half to even.
RATIO_PLACES = Decimal("0.0001")
#: The most decimal places a configured ratio may have.
_MAX_PLACES = 6


class PledgeStatus(StrEnum):
    ACTIVE = "active"
    WARNING = "warning"
    RELEASED = "released"
    DEFAULTED = "defaulted"

    @property
    def is_open(self) -> bool:
        """Still pledged: the units are frozen for the lender."""
        return self in {PledgeStatus.ACTIVE, PledgeStatus.WARNING}


class Level(StrEnum):
    """What one valuation says about the cover."""

    OK = "ok"
    WARNING = "warning"  # below the margin level
    CALL = "call"  # below the call level: the lender may enforce


def parse_ratio(text: str | Decimal, name: str) -> Decimal:
    """A positive ratio (``0.5``, ``1.3``) with at most six decimal places."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise InvalidInput(f"{name} {text!r} is not a number") from None
    if not value.is_finite() or value <= 0:
        raise InvalidInput(f"{name} must be a number > 0, got {text!r}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -_MAX_PLACES:
        raise InvalidInput(f"{name} has at most {_MAX_PLACES} decimal places, got {text!r}")
    return value.normalize() if value == value.to_integral_value() else value


@dataclass(frozen=True, slots=True)
class PledgeTerms:
    """The terms of one pledge contract, validated on construction.

    ``loan_fen`` is the loan principal in fen; ``ltv_limit`` in (0, 1]; ``margin`` and
    ``call`` coverage ratios with ``call ≤ margin ≤ 1 / ltv_limit`` (a pledge that meets its
    LTV limit at creation is above its margin level); ``start ≤ maturity``.
    """

    instrument: str
    quantity: int
    loan_fen: int
    start: date
    maturity: date
    ltv_limit: Decimal = DEFAULT_LTV
    margin: Decimal = DEFAULT_MARGIN
    call: Decimal = DEFAULT_CALL

    def __post_init__(self) -> None:
        if isinstance(self.quantity, bool) or self.quantity <= 0:
            raise InvalidInput(f"a pledge needs a positive number of tonnes, got {self.quantity}")
        if isinstance(self.loan_fen, bool) or self.loan_fen <= 0:
            raise InvalidInput(f"the loan must be more than 0 fen, got {self.loan_fen}")
        if self.maturity < self.start:
            raise InvalidInput(
                f"the maturity {self.maturity} is before the start {self.start} of the loan"
            )
        if not 0 < self.ltv_limit <= 1:
            raise InvalidInput(f"the LTV limit must be in (0, 1], got {self.ltv_limit}")
        if not 0 < self.call <= self.margin:
            raise InvalidInput(
                f"the call level ({self.call}) must be > 0 and at most the margin level "
                f"({self.margin})"
            )
        if Fraction(self.margin) * Fraction(self.ltv_limit) > 1:
            raise InvalidInput(
                f"the margin level ({self.margin}) must be at most 1 / LTV limit "
                f"({self.ltv_limit}): otherwise a pledge within its limit starts below margin"
            )


def pledge_value(quantity: int, close_fen: int) -> int:
    """The value in fen of ``quantity`` tonnes at a closing price of ``close_fen`` per tonne."""
    return quantity * close_fen


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATIO_PLACES, ROUND_HALF_EVEN)


def loan_to_value(loan_fen: int, value_fen: int) -> Decimal | None:
    """Loan ÷ value, to four decimal places (half to even); None when the value is 0."""
    return _ratio(loan_fen, value_fen)


def coverage(value_fen: int, loan_fen: int) -> Decimal | None:
    """Value ÷ loan (the coverage ratio), to four decimal places (half to even)."""
    return _ratio(value_fen, loan_fen)


def _yuan(fen: int | Fraction) -> str:
    """Fen as yuan with two decimals (a fraction of a fen rounds half to even)."""
    exact = Fraction(fen)
    amount = Decimal(exact.numerator) / Decimal(exact.denominator) / 100
    return f"¥{amount.quantize(Decimal('0.01'), ROUND_HALF_EVEN):,}"


def check_creation(terms: PledgeTerms, close_fen: int | None) -> int:
    """Refuse a pledge whose loan exceeds the LTV limit at the closing price; return the value.

    ``close_fen`` is the latest closing price of the instrument (fen per tonne), None when it
    never closed: a pledge cannot be valued then, so it is refused.
    """
    if close_fen is None:
        raise RuleViolation(
            f"no closing price: {terms.instrument} has never closed on the exchange, so the "
            "pledged units cannot be valued"
        )
    value = pledge_value(terms.quantity, close_fen)
    most = Fraction(terms.ltv_limit) * value
    if terms.loan_fen > most:
        raise RuleViolation(
            f"LTV limit exceeded: a loan of {_yuan(terms.loan_fen)} is more than "
            f"{terms.ltv_limit} × {terms.quantity:,} t × {_yuan(close_fen)} "
            f"= {_yuan(most)} (the units are worth {_yuan(value)} at the close)"
        )
    return value


def assess(value_fen: int, loan_fen: int, margin: Decimal, call: Decimal) -> Level:
    """The level of a valuation: call below ``call × loan``, warning below ``margin × loan``."""
    if value_fen < Fraction(call) * loan_fen:
        return Level.CALL
    if value_fen < Fraction(margin) * loan_fen:
        return Level.WARNING
    return Level.OK


def status_after(level: Level) -> PledgeStatus:
    """The status of an open pledge whose latest valuation is at ``level``."""
    return PledgeStatus.ACTIVE if level is Level.OK else PledgeStatus.WARNING


def check_default(
    pledge_id: int, status: PledgeStatus, maturity: date, on: date, latest: Level | None
) -> None:
    """Refuse to declare a default unless the pledge is open and either the loan is overdue
    (``on`` after ``maturity``) or its latest valuation is at the call level."""
    if not status.is_open:
        raise RuleViolation(f"pledge {pledge_id} is {status}: nothing is pledged any more")
    if on > maturity or latest is Level.CALL:
        return
    raise RuleViolation(
        f"not in default: pledge {pledge_id} matures on {maturity} (today is {on}) and its "
        f"latest valuation is {latest or 'missing'}, not below the call level"
    )
