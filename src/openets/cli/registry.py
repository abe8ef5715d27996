"""``openets registry``: accounts, issuance, transfers, retirement, freezing and reads."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from openets.cli.context import console, get_app, print_json
from openets.registry import services
from openets.registry.batch_file import read_transfer_csv
from openets.registry.model import (
    CancelUnits,
    CorrectEntry,
    FreezeUnits,
    IssueUnits,
    Receipt,
    RegistryCommand,
    RetireUnits,
    TransferUnits,
    UnfreezeUnits,
)
from openets.registry.views import (
    account_view,
    balance_view,
    batch_view,
    entry_view,
    receipt_view,
    serial_move_view,
    supply_view,
)

app = typer.Typer(help="Registry of allowances and credits.", no_args_is_help=True)
account_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(account_app, name="account")

JSON = typer.Option(False, "--json", help="Print one JSON document.")
KEY = typer.Option(None, "--key", help="Idempotency key: a retry with it has no second effect.")
INSTRUMENT = typer.Argument(..., help="Instrument code: GDEA-2024, CEA-2024, CCER, PHCER, SINK...")
QUANTITY = typer.Argument(..., help="Whole tonnes of CO2e.")


def _report(ctx: typer.Context, command: RegistryCommand, as_json: bool) -> None:
    receipt: Receipt = services.execute(get_app(ctx), command)
    if as_json:
        print_json(receipt_view(receipt))
        return
    entry = receipt.entry
    moved = [p for p in entry.postings if p.amount > 0]
    blocks = ", ".join(f"{p.serial_start}-{p.serial_end}" for p in moved if p.serial_start)
    note = " (repeat of an earlier request: nothing changed)" if receipt.replayed else ""
    serials = f", serials {blocks}" if blocks else ""
    console.print(
        f"entry {entry.seq} [bold]{entry.kind}[/bold]{serials}, hash {entry.hash[:16]}…{note}",
        highlight=False,
    )


@account_app.command("open")
def account_open(
    ctx: typer.Context,
    account_id: str = typer.Argument(..., help="Account id (letters, digits, . _ : -)."),
    kind: str = typer.Option(..., "--kind", help="holding, compliance, exchange or auction."),
    owner: str = typer.Option(..., "--owner", help="Who owns the account."),
    as_json: bool = JSON,
) -> None:
    """Open an account (repeating the same call is a no-op)."""
    account = services.open_account(get_app(ctx), account_id, kind, owner)
    if as_json:
        print_json(account_view(account))
    else:
        console.print(f"account {account.id} ({account.kind}) of {account.owner}", highlight=False)


@account_app.command("list")
def account_list(
    ctx: typer.Context,
    owner: str | None = typer.Option(None, "--owner", help="Only this owner's accounts."),
    limit: int = typer.Option(1000, "--limit", min=1, max=100_000),
    as_json: bool = JSON,
) -> None:
    """List accounts by id."""
    page = services.list_accounts(get_app(ctx), owner=owner, limit=limit)
    if as_json:
        print_json({"items": [account_view(a) for a in page.items], "next": page.next_cursor})
        return
    table = Table("account", "kind", "owner", "opened (UTC)")
    for a in page.items:
        table.add_row(a.id, a.kind.value, a.owner, a.opened_at[:19])
    console.print(table)


@app.command()
def issue(
    ctx: typer.Context,
    instrument: str = INSTRUMENT,
    quantity: int = QUANTITY,
    to: str = typer.Option(..., "--to", help="Receiving account."),
    key: str | None = KEY,
    as_json: bool = JSON,
) -> None:
    """Issue new units, with new serial numbers, into an account."""
    _report(ctx, IssueUnits(instrument, quantity, to, key), as_json)


@app.command()
def transfer(
    ctx: typer.Context,
    instrument: str = INSTRUMENT,
    quantity: int = QUANTITY,
    source: str = typer.Option(..., "--from", help="Giving account."),
    to: str = typer.Option(..., "--to", help="Receiving account."),
    key: str | None = KEY,
    as_json: bool = JSON,
) -> None:
    """Move units between accounts (lowest serials first)."""
    _report(ctx, TransferUnits(instrument, quantity, source, to, key), as_json)


@app.command()
def retire(
    ctx: typer.Context,
    instrument: str = INSTRUMENT,
    quantity: int = QUANTITY,
    source: str = typer.Option(..., "--from", help="Account the units leave."),
    reason: str = typer.Option(..., "--reason", help="Why (event, carbon neutrality claim...)."),
    beneficiary: str = typer.Option("", "--beneficiary", help="On whose behalf."),
    key: str | None = KEY,
    as_json: bool = JSON,
) -> None:
    """Retire units voluntarily: they leave circulation for good."""
    _report(ctx, RetireUnits(instrument, quantity, source, reason, beneficiary, key), as_json)


@app.command()
def cancel(
    ctx: typer.Context,
    instrument: str = INSTRUMENT,
    quantity: int = QUANTITY,
    source: str = typer.Option(..., "--from", help="Account the units leave."),
    reason: str = typer.Option(..., "--reason", help="Why (surrender, clawback...)."),
    key: str | None = KEY,
    as_json: bool = JSON,
) -> None:
    """Cancel units (registry action)."""
    _report(ctx, CancelUnits(instrument, quantity, source, reason, key), as_json)


@app.command()
def freeze(
    ctx: typer.Context,
    instrument: str = INSTRUMENT,
    quantity: int = QUANTITY,
    account: str = typer.Option(..., "--account", help="Account whose units are frozen."),
    key: str | None = KEY,
    as_json: bool = JSON,
) -> None:
    """Freeze (pledge) units so they cannot move."""
    _report(ctx, FreezeUnits(instrument, quantity, account, key), as_json)


@app.command()
def unfreeze(
    ctx: typer.Context,
    instrument: str = INSTRUMENT,
    quantity: int = QUANTITY,
    account: str = typer.Option(..., "--account", help="Account whose units are released."),
    key: str | None = KEY,
    as_json: bool = JSON,
) -> None:
    """Release frozen units."""
    _report(ctx, UnfreezeUnits(instrument, quantity, account, key), as_json)


@app.command()
def correct(
    ctx: typer.Context,
    seq: int = typer.Argument(..., help="Sequence number of the entry to reverse."),
    reason: str = typer.Option(..., "--reason", help="Why the entry is reversed."),
    key: str | None = KEY,
    as_json: bool = JSON,
) -> None:
    """Reverse an earlier entry with a new one (the original is never edited)."""
    _report(ctx, CorrectEntry(seq, reason, key), as_json)


@app.command("transfer-batch")
def transfer_batch(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="CSV with header instrument,quantity,from,to,key."),
    as_json: bool = JSON,
) -> None:
    """Apply a file of transfers atomically: every row or none."""
    commands, labels = read_transfer_csv(file)
    result = services.execute_batch(get_app(ctx), commands, labels)
    if as_json:
        print_json(batch_view(result))
    else:
        console.print(
            f"{result.applied} transfers applied, {result.replayed} repeats skipped"
            + (f" (entries {result.first_seq}-{result.last_seq})" if result.applied else ""),
            highlight=False,
        )


@app.command()
def balance(
    ctx: typer.Context,
    account: str = typer.Argument(..., help="Account id."),
    as_json: bool = JSON,
) -> None:
    """Balances of an account by instrument."""
    view = services.balance(get_app(ctx), account)
    if as_json:
        print_json(balance_view(view))
        return
    table = Table("instrument", "quantity (t)", "frozen (t)", "available (t)", title=account)
    for p in view.balances:
        table.add_row(p.instrument, f"{p.quantity:,}", f"{p.frozen:,}", f"{p.available:,}")
    console.print(table)


@app.command()
def supply(
    ctx: typer.Context,
    instrument: str | None = typer.Argument(None, help="Instrument code (all if omitted)."),
    as_json: bool = JSON,
) -> None:
    """Issued, retired, cancelled and outstanding units."""
    application = get_app(ctx)
    if instrument is not None:
        one = services.supply(application, instrument)
        if as_json:
            print_json(supply_view(one))
            return
        supplies = [one]
    else:
        supplies = services.all_supplies(application)
        if as_json:
            print_json({"instruments": [supply_view(s) for s in supplies]})
            return
    table = Table("instrument", "issued", "retired", "cancelled", "outstanding")
    for s in supplies:
        table.add_row(
            s.instrument,
            f"{s.issued:,}",
            f"{s.retired:,}",
            f"{s.cancelled:,}",
            f"{s.outstanding:,}",
        )
    console.print(table)


@app.command()
def history(
    ctx: typer.Context,
    instrument: str = INSTRUMENT,
    serial: int = typer.Argument(..., help="Serial number."),
    as_json: bool = JSON,
) -> None:
    """Every entry that moved one serial number, oldest first."""
    moves = services.serial_history(get_app(ctx), instrument, serial)
    if as_json:
        print_json([serial_move_view(m) for m in moves])
        return
    table = Table(
        "entry", "kind", "recorded (UTC)", "from", "to", "block", title=f"serial {serial}"
    )
    for m in moves:
        table.add_row(
            str(m.seq),
            m.kind.value,
            m.recorded_at[:19],
            m.source,
            m.to,
            f"{m.serial_start}-{m.serial_end}",
        )
    console.print(table)


@app.command()
def journal(
    ctx: typer.Context,
    account: str | None = typer.Option(None, "--account", help="Only entries touching it."),
    limit: int = typer.Option(20, "--limit", min=1, max=10_000),
    as_json: bool = JSON,
) -> None:
    """The newest journal entries."""
    page = services.journal_page(get_app(ctx), limit=limit, account=account)
    if as_json:
        print_json({"items": [entry_view(e) for e in page.items], "next": page.next_cursor})
        return
    table = Table("entry", "kind", "recorded (UTC)", "postings", "hash")
    for e in page.items:
        lines = "; ".join(
            f"{p.account} {p.amount:+,} {p.instrument}"
            + (f" frozen {p.frozen:+,}" if p.frozen else "")
            for p in e.postings[:4]
        ) + (" …" if len(e.postings) > 4 else "")
        table.add_row(str(e.seq), e.kind.value, e.recorded_at[:19], lines, e.hash[:12])
    console.print(table)
