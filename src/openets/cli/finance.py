"""``openets finance``: carbon finance: allowance pledges.

``openets finance pledge create|value|release|default|list|show``. Who acts: the registry's
operator by default (every step allowed); ``--as USER`` acts as that user with their role
checked, as in the REST API. The global ``--as-of DATE`` sets the business date of the run
(to value a past day or declare a default after the maturity). Money is given in yuan
(``--loan 1000000.00``) and printed in yuan; ``--json`` documents carry integer fen.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import typer
from rich.table import Table

from openets.cli.context import console, get_app, print_json
from openets.cli.entities import AS_USER, JSON, actor
from openets.errors import InvalidInput
from openets.finance import services
from openets.finance.store import StoredPledge
from openets.finance.views import (
    pledge_detail_view,
    pledges_view,
    receipt_view,
    valuation_run_view,
)
from openets.money import money

__all__ = ["app", "parse_day", "parse_yuan"]

app = typer.Typer(
    help="Carbon finance: allowance pledges.",
    no_args_is_help=True,
)
pledge = typer.Typer(
    help="Allowance pledges: freeze units for a lender, value them daily, release or default.",
    no_args_is_help=True,
)
app.add_typer(pledge, name="pledge")

PLEDGE_ID = typer.Argument(..., help="The pledge's id (a number).")


def parse_yuan(text: str, option: str) -> int:
    """An amount in yuan (``1000000``, ``1000000.50``) as whole fen, exactly."""
    try:
        yuan = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise InvalidInput(f"{option} {text!r} is not an amount in yuan") from None
    fen = yuan * 100 if yuan.is_finite() else Decimal(-1)
    if fen <= 0 or fen != fen.to_integral_value():
        raise InvalidInput(f"{option} {text!r} must be yuan > 0 with at most two decimals")
    return int(fen)


def parse_day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{option} {text!r} is not a date (YYYY-MM-DD)") from None


def _summary(p: StoredPledge) -> str:
    t = p.terms
    return (
        f"pledge {p.id} ({p.status}): {t.quantity:,} t {t.instrument} of {p.borrower} "
        f"for {p.lender}, loan {money(t.loan_fen)} {t.start}..{t.maturity}"
    )


@pledge.command("create")
def create(
    ctx: typer.Context,
    borrower: str = typer.Option(..., "--borrower", help="Account whose units are pledged."),
    lender: str = typer.Option(..., "--lender", help="The lender's account."),
    instrument: str = typer.Option(..., "--instrument", help="Instrument code, e.g. GDEA-2025."),
    quantity: int = typer.Option(..., "--qty", help="Whole tonnes to pledge."),
    loan: str = typer.Option(..., "--loan", help="Loan principal in yuan (e.g. 1000000.00)."),
    start: str = typer.Option(..., "--start", help="Loan start date (YYYY-MM-DD)."),
    maturity: str = typer.Option(..., "--maturity", help="Loan maturity date (YYYY-MM-DD)."),
    ltv: str | None = typer.Option(None, "--ltv", help="LTV limit (default 0.5)."),
    margin: str | None = typer.Option(
        None, "--margin", help="Margin level as a coverage ratio (default 1.3)."
    ),
    call: str | None = typer.Option(
        None, "--call", help="Call level as a coverage ratio (default 1.1)."
    ),
    key: str | None = typer.Option(
        None, "--key", help="Idempotency key: a retry with it has no second effect."
    ),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Create a pledge: freeze the units in the borrower's account for the lender."""
    receipt = services.create_pledge(
        get_app(ctx),
        borrower,
        lender,
        instrument,
        quantity,
        parse_yuan(loan, "--loan"),
        parse_day(start, "--start"),
        parse_day(maturity, "--maturity"),
        ltv=ltv,
        margin=margin,
        call=call,
        by=actor(ctx, as_user),
        key=key,
    )
    if as_json:
        print_json(receipt_view(receipt))
        return
    p = receipt.pledge
    note = " (replayed: already recorded)" if receipt.replayed else ""
    console.print(
        f"{_summary(p)}; worth {money(p.value_fen)} at a close of {money(p.close_fen)}/t, "
        f"journal entry {p.freeze_seq}{note}",
        highlight=False,
        soft_wrap=True,
    )


@pledge.command("value")
def value(
    ctx: typer.Context,
    day: str | None = typer.Option(None, "--date", help="Business date to value (default today)."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Value every open pledge at the day's closing price and record margin warnings."""
    run = services.value_pledges(
        get_app(ctx),
        None if day is None else parse_day(day, "--date"),
        by=actor(ctx, as_user),
    )
    if as_json:
        print_json(valuation_run_view(run))
        return
    table = Table("pledge", "instrument", "close", "value", "loan", "LTV", "coverage", "level",
                  title=f"pledge valuation {run.day}")  # fmt: skip
    for v in run.valued:
        x = v.valuation
        table.add_row(
            str(v.pledge.id),
            v.pledge.terms.instrument,
            money(x.close_fen),
            money(x.value_fen),
            money(v.pledge.terms.loan_fen),
            "-" if x.ltv is None else f"{x.ltv:f}",
            f"{x.coverage:f}",
            x.level.value,
        )
    console.print(table)
    console.print(
        f"{len(run.valued)} valued, {len(run.warnings)} below margin, "
        f"{len(run.unpriced)} without a closing price",
        highlight=False,
        soft_wrap=True,
    )


@pledge.command("release")
def release(
    ctx: typer.Context,
    pledge_id: int = PLEDGE_ID,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Release a pledge on repayment: unfreeze the pledged units."""
    receipt = services.release_pledge(get_app(ctx), pledge_id, by=actor(ctx, as_user))
    if as_json:
        print_json(receipt_view(receipt))
        return
    note = " (already released)" if receipt.replayed else ""
    console.print(
        f"{_summary(receipt.pledge)}; unfrozen by journal entry "
        f"{receipt.pledge.unfreeze_seq}{note}",
        highlight=False,
        soft_wrap=True,
    )


@pledge.command("default")
def default(
    ctx: typer.Context,
    pledge_id: int = PLEDGE_ID,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Declare a default: unfreeze the units and transfer them to the lender (one transaction)."""
    receipt = services.declare_default(get_app(ctx), pledge_id, by=actor(ctx, as_user))
    if as_json:
        print_json(receipt_view(receipt))
        return
    p = receipt.pledge
    note = " (already defaulted)" if receipt.replayed else ""
    console.print(
        f"{_summary(p)}; unfrozen by journal entry {p.unfreeze_seq}, transferred to "
        f"{p.lender} by entry {p.transfer_seq}{note}",
        highlight=False,
        soft_wrap=True,
    )


@pledge.command("list")
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(
        None, "--status", help="active, warning, released or defaulted."
    ),
    account: str | None = typer.Option(None, "--account", help="As borrower or lender."),
    instrument: str | None = typer.Option(None, "--instrument", help="Only this instrument."),
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """List pledges with their latest valuation."""
    lines = services.list_pledges(
        get_app(ctx),
        by=actor(ctx, as_user),
        status=status,
        account=account,
        instrument=instrument,
    )
    if as_json:
        print_json(pledges_view(lines))
        return
    table = Table("pledge", "status", "borrower", "lender", "instrument", "t", "loan",
                  "maturity", "valued", "value", "LTV", title="pledges")  # fmt: skip
    for line in lines:
        p, x = line.pledge, line.latest
        table.add_row(
            str(p.id),
            p.status.value,
            p.borrower,
            p.lender,
            p.terms.instrument,
            f"{p.terms.quantity:,}",
            money(p.terms.loan_fen),
            p.terms.maturity.isoformat(),
            "-" if x is None else x.day.isoformat(),
            "-" if x is None else money(x.value_fen),
            "-" if x is None or x.ltv is None else f"{x.ltv:f}",
        )
    console.print(table)


@pledge.command("show")
def show(
    ctx: typer.Context,
    pledge_id: int = PLEDGE_ID,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """A pledge with its valuation history."""
    detail = services.get_pledge(get_app(ctx), pledge_id, by=actor(ctx, as_user))
    if as_json:
        print_json(pledge_detail_view(detail))
        return
    p = detail.pledge
    console.print(_summary(p), highlight=False)
    console.print(
        f"  LTV limit {p.terms.ltv_limit}, margin {p.terms.margin}, call {p.terms.call}; "
        f"journal: freeze {p.freeze_seq}, unfreeze {p.unfreeze_seq or '-'}, "
        f"transfer {p.transfer_seq or '-'}",
        highlight=False,
        soft_wrap=True,
    )
    table = Table("day", "close", "value", "LTV", "coverage", "level")
    for x in detail.valuations:
        table.add_row(
            x.day.isoformat(),
            money(x.close_fen),
            money(x.value_fen),
            "-" if x.ltv is None else f"{x.ltv:f}",
            f"{x.coverage:f}",
            x.level.value,
        )
    console.print(table)
