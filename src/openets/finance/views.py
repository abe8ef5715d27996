"""JSON-ready documents of allowance pledges: what the CLI prints with ``--json`` and the REST
API answers. Tonnes and fen are integers; ratios are decimal strings; dates ISO."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from openets.finance.services import (
    PledgeDetail,
    PledgeLine,
    PledgeReceipt,
    ValuationRun,
)
from openets.finance.store import StoredPledge, StoredValuation

__all__ = [
    "call_level_fen",
    "margin_level_fen",
    "pledge_detail_view",
    "pledge_view",
    "pledges_view",
    "receipt_view",
    "valuation_run_view",
    "valuation_view",
]


def _ratio(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def margin_level_fen(pledge: StoredPledge) -> int:
    """The value (fen) below which the pledge is in warning: margin × loan, rounded up to a
    whole fen (a value one fen below it is in warning)."""
    level = Fraction(pledge.terms.margin) * pledge.terms.loan_fen
    return -(-level.numerator // level.denominator)


def call_level_fen(pledge: StoredPledge) -> int:
    """The value (fen) below which the lender may enforce: call level × loan, rounded up."""
    level = Fraction(pledge.terms.call) * pledge.terms.loan_fen
    return -(-level.numerator // level.denominator)


def valuation_view(valuation: StoredValuation) -> dict[str, Any]:
    return {
        "day": valuation.day.isoformat(),
        "close_fen": valuation.close_fen,
        "value_fen": valuation.value_fen,
        "ltv": _ratio(valuation.ltv),
        "coverage": _ratio(valuation.coverage),
        "level": valuation.level.value,
        "at": valuation.at,
    }


def pledge_view(pledge: StoredPledge, latest: StoredValuation | None = None) -> dict[str, Any]:
    terms = pledge.terms
    return {
        "id": pledge.id,
        "status": pledge.status.value,
        "borrower": pledge.borrower,
        "lender": pledge.lender,
        "instrument": terms.instrument,
        "quantity": terms.quantity,
        "loan_fen": terms.loan_fen,
        "start": terms.start.isoformat(),
        "maturity": terms.maturity.isoformat(),
        "ltv_limit": _ratio(terms.ltv_limit),
        "margin": _ratio(terms.margin),
        "call": _ratio(terms.call),
        "margin_level_fen": margin_level_fen(pledge),
        "call_level_fen": call_level_fen(pledge),
        "created": {
            "close_fen": pledge.close_fen,
            "value_fen": pledge.value_fen,
            "actor": pledge.actor,
            "at": pledge.created_at,
        },
        "journal": {
            "freeze": pledge.freeze_seq,
            "unfreeze": pledge.unfreeze_seq,
            "transfer": pledge.transfer_seq,
        },
        "ended": (
            None if pledge.ended_at is None else {"actor": pledge.ended_by, "at": pledge.ended_at}
        ),
        "key": pledge.key,
        "latest_valuation": None if latest is None else valuation_view(latest),
    }


def receipt_view(receipt: PledgeReceipt) -> dict[str, Any]:
    return {**pledge_view(receipt.pledge), "replayed": receipt.replayed}


def pledges_view(lines: Sequence[PledgeLine]) -> dict[str, Any]:
    return {"pledges": [pledge_view(line.pledge, line.latest) for line in lines]}


def pledge_detail_view(detail: PledgeDetail) -> dict[str, Any]:
    return {
        **pledge_view(detail.pledge, detail.latest),
        "valuations": [valuation_view(v) for v in detail.valuations],
    }


def valuation_run_view(run: ValuationRun) -> dict[str, Any]:
    return {
        "day": run.day.isoformat(),
        "valued": [
            {
                "pledge": v.pledge.id,
                "status": v.pledge.status.value,
                "recorded": v.recorded,
                **valuation_view(v.valuation),
            }
            for v in run.valued
        ],
        "warnings": [v.pledge.id for v in run.warnings],
        "unpriced": [p.id for p in run.unpriced],
    }
