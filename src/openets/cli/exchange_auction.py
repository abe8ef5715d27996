"""``openets exchange auction ...`` and ``openets exchange block ...``: allowance auctions and
negotiated block trades.

Who acts: the operator by default (every step allowed). In ``auction`` commands ``--as USER``
acts as that user with their role checked, as in the REST API. In ``block`` commands
``--as ACCOUNT`` names the party (trading account) taking the step — the counterparty
confirms or rejects, the proposer proposes or withdraws — and ``--user USER`` acts as a user.
``--at "2025-07-01T10:00"`` (CST) sets the instant of one command (to replay a session or
test the hours). Prices are yuan per tonne with at most two decimals (``25.00``); quantities
whole tonnes.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import typer
from rich.table import Table

from openets.bootstrap import App
from openets.cli.context import console, get_app, print_json
from openets.cli.entities import AS_USER, JSON, actor
from openets.clock import CST, FixedClock
from openets.errors import InvalidInput
from openets.exchange import auction_services as auctions
from openets.exchange import block_services as blocks
from openets.exchange.auction import yuan
from openets.exchange.model import parse_price
from openets.money import money

__all__ = ["register"]

auction_app = typer.Typer(
    help="Allowance auctions: announce, bid, clear, show, list.", no_args_is_help=True
)
block_app = typer.Typer(
    help="Negotiated block trades (≥ 100,000 t): propose, confirm, reject, withdraw, list.",
    no_args_is_help=True,
)

KEY = typer.Option(None, "--key", help="Idempotency key: a retry with it has no second effect.")
AT = typer.Option(
    None, "--at", help='Instant of the command, CST ("2025-07-01T10:00"); default: the clock.'
)
USER = typer.Option(
    None, "--user", help="Act as this user (their role is checked); default: the operator."
)
AUCTION = typer.Argument(..., help="Auction id.")
BLOCK = typer.Argument(..., help="Block-trade id.")


def register(app: typer.Typer) -> None:
    """Add the auction and block-trade commands to the ``exchange`` group."""
    app.add_typer(auction_app, name="auction")
    app.add_typer(block_app, name="block")


def _instant(text: str, flag: str) -> datetime:
    """An ISO date and time; without a zone it is CST."""
    try:
        local = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{flag} {text!r} is not a date and time (2025-07-01T10:00)") from None
    return local.replace(tzinfo=CST) if local.tzinfo is None else local


def _at(ctx: typer.Context, at: str | None) -> App:
    """The application, with its clock fixed at ``--at`` when given."""
    app_ = get_app(ctx)
    if at is None or not at.strip():
        return app_
    return dataclasses.replace(app_, clock=FixedClock(_instant(at, "--at")))


def _local(instant: str) -> str:
    """A stored UTC instant as CST wall time."""
    return f"{datetime.fromisoformat(instant).astimezone(CST):%Y-%m-%d %H:%M} CST"


def _date(text: str | None) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"--date {text!r} is not a date (YYYY-MM-DD)") from None


# --- auctions -------------------------------------------------------------------------------


def _print_detail(detail: auctions.AuctionDetail, as_json: bool) -> None:
    if as_json:
        print_json(auctions.detail_document(detail))
        return
    a = detail.auction
    note = " (repeat: nothing changed)" if detail.replayed else ""
    console.print(
        f"auction {a.id}: {a.lot:,} t {a.instrument} from {a.source_account}, reserve "
        f"{money(a.reserve)} ({a.reserve_basis}), bidding {_local(a.opens_at)} – "
        f"{_local(a.closes_at)}: "
        f"[bold]{detail.phase}[/bold], {detail.bid_count} bids{note}",
        highlight=False,
    )
    if a.clearing_price is not None:
        console.print(
            f"  cleared at {money(a.clearing_price)}: {a.sold:,} t sold, {a.unsold:,} t unsold, "
            f"{money(a.value)} paid (journal entry {a.settle_entry_seq})",
            highlight=False,
        )
    elif a.sold is not None:
        console.print(f"  cleared: nothing sold, {a.unsold:,} t unsold", highlight=False)
    if detail.bids:
        table = Table("bid", "account", "t", "price", "filled", title="bids")
        for bid in detail.bids:
            filled = "-" if bid.filled is None else f"{bid.filled:,}"
            table.add_row(str(bid.id), bid.account, f"{bid.qty:,}", yuan(bid.price), filled)
        console.print(table)
    if detail.allocation:
        table = Table("account", "bidder", "t won", "paid ¥", title="allocation")
        for line in detail.allocation:
            table.add_row(line.account, line.bidder, f"{line.qty:,}", yuan(line.paid))
        console.print(table)


@auction_app.command("announce")
def auction_announce(
    ctx: typer.Context,
    instrument: str = typer.Option(..., "--instrument", help="Allowance code: GDEA-2025."),
    qty: int = typer.Option(..., "--qty", help="The lot, whole tonnes."),
    reserve: str | None = typer.Option(
        None,
        "--reserve",
        help="Reserve price, yuan per tonne; default: the listing VWAP of the 3 calendar "
        "months before this month.",
    ),
    opens: str = typer.Option(..., "--opens", help='Bidding opens, CST ("2025-07-01T09:30").'),
    closes: str = typer.Option(..., "--closes", help='Bidding closes, CST ("2025-07-01T11:30").'),
    source: str | None = typer.Option(
        None, "--from", help="The auction account (default {FAMILY}-AUCTION: GDEA-AUCTION)."
    ),
    key: str | None = KEY,
    at: str | None = AT,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Announce an auction (regulator): the lot is reserved in the auction account."""
    detail = auctions.announce(
        _at(ctx, at),
        instrument,
        qty,
        opens=_instant(opens, "--opens"),
        closes=_instant(closes, "--closes"),
        reserve=None if reserve is None else parse_price(reserve, "reserve price"),
        source=source,
        by=actor(ctx, as_user),
        key=key,
    )
    _print_detail(detail, as_json)


@auction_app.command("bid")
def auction_bid(
    ctx: typer.Context,
    auction_id: int = AUCTION,
    account: str = typer.Option(..., "--account", help="The bidder's account (pays, receives)."),
    qty: int = typer.Option(..., "--qty", help="Whole tonnes, at least 1,000."),
    price: str = typer.Option(..., "--price", help="Yuan per tonne, at least the reserve."),
    key: str | None = KEY,
    at: str | None = AT,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Place a sealed bid (reserves price × qty of the account's funds; irrevocable)."""
    receipt = auctions.place_bid(
        _at(ctx, at),
        auction_id,
        account,
        qty,
        parse_price(price),
        by=actor(ctx, as_user),
        key=key,
    )
    if as_json:
        print_json(auctions.bid_document(receipt.bid, receipt.replayed))
        return
    bid = receipt.bid
    note = " (repeat: nothing changed)" if receipt.replayed else ""
    console.print(
        f"bid {bid.id} in auction {bid.auction_id}: {bid.qty:,} t at {money(bid.price)} for "
        f"{bid.account}, {money(bid.amount)} reserved{note}",
        highlight=False,
    )


@auction_app.command("clear")
def auction_clear(
    ctx: typer.Context,
    auction_id: int = AUCTION,
    at: str | None = AT,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Clear an auction after its window (regulator) and settle it in the registry."""
    _print_detail(auctions.clear_auction(_at(ctx, at), auction_id, by=actor(ctx, as_user)), as_json)


@auction_app.command("show")
def auction_show(
    ctx: typer.Context,
    auction_id: int = AUCTION,
    as_user: str | None = AS_USER,
    as_json: bool = JSON,
) -> None:
    """One auction: lot, reserve, window, the bids you may see, the results."""
    _print_detail(auctions.show_auction(get_app(ctx), auction_id, by=actor(ctx, as_user)), as_json)


@auction_app.command("list")
def auction_list(ctx: typer.Context, as_json: bool = JSON) -> None:
    """Every auction, newest first."""
    app_ = get_app(ctx)
    now = app_.clock.now()
    found = auctions.auction_list(app_)
    if as_json:
        print_json([auctions.auction_document(a, now) for a in found])
        return
    table = Table("id", "instrument", "lot t", "reserve ¥", "closes", "phase", "price ¥", "sold t")
    for a in found:
        table.add_row(
            str(a.id),
            a.instrument,
            f"{a.lot:,}",
            yuan(a.reserve),
            _local(a.closes_at),
            a.phase(now).value,
            "-" if a.clearing_price is None else yuan(a.clearing_price),
            "-" if a.sold is None else f"{a.sold:,}",
        )
    console.print(table)


# --- block trades ---------------------------------------------------------------------------


def _print_block(block: blocks.BlockTrade, as_json: bool) -> None:
    if as_json:
        print_json(blocks.block_document(block))
        return
    note = " (repeat: nothing changed)" if block.replayed else ""
    console.print(
        f"block trade {block.id}: {block.qty:,} t {block.instrument} at {money(block.price)} "
        f"from {block.seller} to {block.buyer} (proposed by the {block.proposer}): "
        f"[bold]{block.state}[/bold]{note}",
        highlight=False,
    )


@block_app.command("propose")
def block_propose(
    ctx: typer.Context,
    seller: str = typer.Option(..., "--seller", help="The seller's trading account."),
    buyer: str = typer.Option(..., "--buyer", help="The buyer's trading account."),
    instrument: str = typer.Option(..., "--instrument", help="Instrument code."),
    qty: int = typer.Option(..., "--qty", help="Whole tonnes, at least 100,000."),
    price: str = typer.Option(..., "--price", help="Yuan per tonne, within ±30% of the close."),
    party: str | None = typer.Option(
        None, "--as", help="The proposing account: the seller (default) or the buyer."
    ),
    key: str | None = KEY,
    at: str | None = AT,
    user: str | None = USER,
    as_json: bool = JSON,
) -> None:
    """Propose a block trade to the counterparty; the proposer's side is reserved."""
    block = blocks.propose_block(
        _at(ctx, at),
        seller=seller,
        buyer=buyer,
        instrument=instrument,
        qty=qty,
        price=parse_price(price),
        proposer=party,
        by=actor(ctx, user),
        key=key,
    )
    _print_block(block, as_json)


@block_app.command("confirm")
def block_confirm(
    ctx: typer.Context,
    block_id: int = BLOCK,
    party: str = typer.Option(..., "--as", help="The confirming account (the counterparty)."),
    at: str | None = AT,
    user: str | None = USER,
    as_json: bool = JSON,
) -> None:
    """Confirm a proposal as its counterparty: it settles at once (DvP, T+0)."""
    block = blocks.confirm_block(_at(ctx, at), block_id, party, by=actor(ctx, user))
    _print_block(block, as_json)


@block_app.command("reject")
def block_reject(
    ctx: typer.Context,
    block_id: int = BLOCK,
    party: str | None = typer.Option(
        None, "--as", help="The rejecting account (default: the counterparty)."
    ),
    at: str | None = AT,
    user: str | None = USER,
    as_json: bool = JSON,
) -> None:
    """Reject a proposal as its counterparty; the proposer's reservation is released."""
    app_ = _at(ctx, at)
    who = party or blocks.get_block(app_, block_id).counterparty
    _print_block(blocks.reject_block(app_, block_id, who, by=actor(ctx, user)), as_json)


@block_app.command("withdraw")
def block_withdraw(
    ctx: typer.Context,
    block_id: int = BLOCK,
    party: str | None = typer.Option(
        None, "--as", help="The withdrawing account (default: the proposer)."
    ),
    at: str | None = AT,
    user: str | None = USER,
    as_json: bool = JSON,
) -> None:
    """Withdraw your proposal before it is confirmed; its reservation is released."""
    app_ = _at(ctx, at)
    who = party or blocks.get_block(app_, block_id).proposer_account
    _print_block(blocks.withdraw_block(app_, block_id, who, by=actor(ctx, user)), as_json)


@block_app.command("expire")
def block_expire(
    ctx: typer.Context,
    at: str | None = AT,
    user: str | None = USER,
    as_json: bool = JSON,
) -> None:
    """Expire the proposals still open after their day's close (releases reservations)."""
    expired = blocks.expire_blocks(_at(ctx, at), by=actor(ctx, user))
    if as_json:
        print_json([blocks.block_document(b) for b in expired])
        return
    console.print(f"{len(expired)} proposals expired", highlight=False)


@block_app.command("list")
def block_list(
    ctx: typer.Context,
    day: str | None = typer.Option(None, "--date", help="Business date (default: today, CST)."),
    user: str | None = USER,
    as_json: bool = JSON,
) -> None:
    """The block trades of a day, and the day's block statistics (apart from listing)."""
    app_ = get_app(ctx)
    when = _date(day)
    listed = blocks.block_list(app_, when, by=actor(ctx, user))
    figures = blocks.block_statistics(app_, when or app_.today())
    if as_json:
        print_json(
            {
                "trades": [blocks.block_document(b, parties) for b, parties in listed],
                "statistics": blocks.statistics_document(figures),
            }
        )
        return
    table = Table("id", "instrument", "t", "price ¥", "seller", "buyer", "state")
    for block, parties in listed:
        table.add_row(
            str(block.id),
            block.instrument,
            f"{block.qty:,}",
            yuan(block.price),
            block.seller if parties else "-",
            block.buyer if parties else "-",
            block.state.value,
        )
    console.print(table)
    for line in figures:
        console.print(
            f"{line.instrument}: {line.trades} block trades, {line.volume:,} t, "
            f"{money(line.value)} on {line.day}; {line.cumulative_volume:,} t, "
            f"{money(line.cumulative_value)} to date",
            highlight=False,
        )
