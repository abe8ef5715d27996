"""From a jurisdiction's configured penalty terms to the penalty rule for one year.

The configuration (:mod:`openets.compliance.jurisdiction`) says what the regulation allows;
the rule (:mod:`openets.compliance.rules`) computes one penalty. Where the regulation gives a
range (the national fine: 5-10 times the shortfall's value), the regulator picks the multiple
for the case; anywhere else the terms fix it.
"""

from __future__ import annotations

from decimal import Decimal

from openets.compliance.jurisdiction import FineKind, JurisdictionYear
from openets.compliance.rules import PenaltyKind, PenaltyRule
from openets.errors import InvalidInput


def penalty_rule(config: JurisdictionYear, multiple: Decimal | None = None) -> PenaltyRule:
    """The penalty rule of ``config``'s year; ``multiple`` picks a fine multiple in a range."""
    try:
        kind = PenaltyKind(config.name)
    except ValueError:
        raise InvalidInput(f"no penalty rule is known for jurisdiction {config.name!r}") from None
    terms = config.penalty
    if terms.kind is FineKind.FIXED_FINE:
        if multiple is not None:
            raise InvalidInput(f"{config.name} fines are fixed; no multiple can be chosen")
        return PenaltyRule(kind, terms.deduction_multiple, terms.fine_fen or 0)
    low, high = terms.price_multiple_min, terms.price_multiple_max
    if low is None or high is None:  # the configuration loader refuses such terms
        raise InvalidInput(f"{config.name} {config.year}: the fine multiple is not configured")
    if multiple is None:
        if low != high:
            raise InvalidInput(
                f"{config.name} {config.year}: choose the fine multiple between {low} and {high}"
            )
        multiple = low
    elif not low <= multiple <= high:
        raise InvalidInput(
            f"{config.name} {config.year}: the fine multiple must be between {low} and {high}, "
            f"not {multiple}"
        )
    return PenaltyRule(kind, terms.deduction_multiple, terms.fine_fen or 0, multiple)
