"""Allowance auction use cases: announce, bid, clear, show, list. One function each; every
state change is one transaction (under the registry's journal head lock, so what it reads
stays current until it commits).

The flow, with its registry entries (the rules are in :mod:`openets.exchange.auction`):

1. **announce** (the regulator): a lot of allowances from the auction reserve's account
   (``GDEA-AUCTION`` for ``GDEA-2025``), a reserve price (given, or the listing-trade VWAP of
   the three calendar months before the announcement) and a bidding window. The lot is
   reserved (frozen) in the auction account, so it cannot be sold twice: one ``reservation``
   entry.
2. **bid** (a member or a covered entity with funds, for its own account; the operator for
   anyone): ``qty`` t at ``price`` fen per tonne while the window is open; ``price × qty`` fen
   of the account's ``CNY`` are reserved: one ``reservation`` entry. Bids are sealed (only
   the regulator and the bidder see them) and cannot be withdrawn.
3. **clear** (the regulator, once the window has closed): ranks and fills the bids, then ONE
   ``settlement`` entry moves the units sold from the auction account to the winners and the
   uniform price × tonnes won from each winner to the auction account, releases every bid's
   remaining reservation and the unsold part of the lot (which stays in the auction account).

Who may read: everyone sees the auctions and, once cleared, the results (clearing price,
sold, unsold, tonnes per winner); the bids only the regulator and, its own, each bidder.

Quantities whole tonnes, prices fen per tonne, money fen, instants UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, select

from openets.auth.model import Role, User
from openets.bootstrap import App
from openets.clock import CST, business_date, utc_text
from openets.db.tables_auction import auction_bids, auctions
from openets.errors import Conflict, InvalidInput, NotAuthorised, NotFound, RuleViolation
from openets.exchange import market, outbox
from openets.exchange.auction import (
    MAX_SHARE,
    MIN_BID,
    Bid,
    bidder_cap,
    check_bid,
    clear,
    reserve_from_vwap,
    reserve_window,
    yuan,
)
from openets.exchange.settlement import settle_in
from openets.exchange.store import next_id
from openets.mrv.permissions import (
    OPERATOR,
    Actor,
    Operator,
    actor_name,
    is_regulator,
    require_regulator,
    who,
)
from openets.registry.instruments import parse_instrument
from openets.registry.model import (
    FUNDS,
    SYSTEM_KINDS,
    Account,
    AccountKind,
    ReservationLine,
    TradeLine,
    optional_key,
)
from openets.registry.store import LedgerStore

__all__ = [
    "AUCTION_TOPIC",
    "Allocation",
    "Auction",
    "AuctionDetail",
    "AuctionState",
    "BidReceipt",
    "StoredBid",
    "announce",
    "auction_account_for",
    "auction_document",
    "auction_list",
    "bid_document",
    "clear_auction",
    "detail_document",
    "place_bid",
    "show_auction",
]

AUCTION_TOPIC = "exchange.auction"


class AuctionState(StrEnum):
    ANNOUNCED = "announced"  # the lot is reserved; bids are taken within the window
    CLEARED = "cleared"  # results settled and published


class Phase(StrEnum):
    """Where an announced auction is in time (derived from the clock, not stored)."""

    UPCOMING = "upcoming"
    BIDDING = "bidding"
    CLOSED = "closed"  # the window is over, waiting for the regulator to clear it
    CLEARED = "cleared"


@dataclass(frozen=True, slots=True)
class Auction:
    id: int
    instrument: str
    source_account: str
    lot: int
    reserve: int
    reserve_basis: str  # given | vwap
    reserve_from: str | None
    reserve_to: str | None
    opens_at: str
    closes_at: str
    state: AuctionState
    lot_entry_seq: int
    announced_by: str
    announced_at: str
    clearing_price: int | None
    sold: int | None
    unsold: int | None
    settle_entry_seq: int | None
    cleared_by: str | None
    cleared_at: str | None

    def phase(self, now: datetime) -> Phase:
        if self.state is AuctionState.CLEARED:
            return Phase.CLEARED
        instant = utc_text(now)
        if instant < self.opens_at:
            return Phase.UPCOMING
        return Phase.BIDDING if instant < self.closes_at else Phase.CLOSED

    @property
    def value(self) -> int:
        """What the winners paid together, fen (0 before clearing)."""
        return (self.clearing_price or 0) * (self.sold or 0)


@dataclass(frozen=True, slots=True)
class StoredBid:
    id: int
    auction_id: int
    bidder: str
    account: str
    qty: int
    price: int
    placed_at: str
    freeze_entry_seq: int
    filled: int | None
    actor: str

    @property
    def amount(self) -> int:
        """Funds reserved for the bid, fen."""
        return self.qty * self.price


@dataclass(frozen=True, slots=True)
class Allocation:
    """What one winning account won at clearing: tonnes, and what it paid (fen)."""

    account: str
    bidder: str
    qty: int
    paid: int


@dataclass(frozen=True, slots=True)
class AuctionDetail:
    """An auction as one viewer may see it: the bids only for the regulator (all) or a
    bidder (its own); the allocation once cleared."""

    auction: Auction
    bids: tuple[StoredBid, ...]
    allocation: tuple[Allocation, ...]
    bid_count: int
    phase: Phase
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class BidReceipt:
    bid: StoredBid
    replayed: bool = False


# --- storage --------------------------------------------------------------------------------


def _auction_of(row: Any) -> Auction:
    def maybe(value: Any) -> int | None:
        return None if value is None else int(value)

    return Auction(
        id=int(row.id),
        instrument=row.instrument,
        source_account=row.source_account,
        lot=int(row.lot),
        reserve=int(row.reserve),
        reserve_basis=row.reserve_basis,
        reserve_from=row.reserve_from,
        reserve_to=row.reserve_to,
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        state=AuctionState(row.state),
        lot_entry_seq=int(row.lot_entry_seq),
        announced_by=row.announced_by,
        announced_at=row.announced_at,
        clearing_price=maybe(row.clearing_price),
        sold=maybe(row.sold),
        unsold=maybe(row.unsold),
        settle_entry_seq=maybe(row.settle_entry_seq),
        cleared_by=row.cleared_by,
        cleared_at=row.cleared_at,
    )


def _bid_of(row: Any) -> StoredBid:
    return StoredBid(
        id=int(row.id),
        auction_id=int(row.auction_id),
        bidder=row.bidder,
        account=row.account,
        qty=int(row.qty),
        price=int(row.price),
        placed_at=row.placed_at,
        freeze_entry_seq=int(row.freeze_entry_seq),
        filled=None if row.filled is None else int(row.filled),
        actor=row.actor,
    )


def _load_auction(connection: Connection, auction_id: int) -> Auction:
    row = connection.execute(select(auctions).where(auctions.c.id == auction_id)).first()
    if row is None:
        raise NotFound(f"auction {auction_id} does not exist")
    return _auction_of(row)


def _load_bids(connection: Connection, auction_id: int) -> list[StoredBid]:
    query = select(auction_bids).where(auction_bids.c.auction_id == auction_id)
    return [_bid_of(r) for r in connection.execute(query.order_by(auction_bids.c.id))]


def _positive(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(f"{what} must be a positive whole number, got {value!r}")
    return value


def _instant(value: datetime, what: str) -> str:
    if value.tzinfo is None:
        raise InvalidInput(f"{what} needs a time zone")
    return utc_text(value)


def _local(instant: str) -> str:
    """A stored UTC instant as CST wall time, for messages."""
    return f"{datetime.fromisoformat(instant).astimezone(CST):%Y-%m-%d %H:%M} CST"


def auction_account_for(instrument: str) -> str:
    """The account of the auction reserve an allowance is auctioned from (``GDEA-2025`` →
    ``GDEA-AUCTION``, the account allocation issues the reserve to)."""
    parsed = parse_instrument(instrument)
    if not parsed.is_allowance:
        raise InvalidInput(f"only allowances are auctioned, not {parsed.code}")
    return f"{parsed.family.value}-AUCTION"


# --- announce -------------------------------------------------------------------------------


def announce(
    app: App,
    instrument: str,
    lot: int,
    *,
    opens: datetime,
    closes: datetime,
    reserve: int | None = None,
    source: str | None = None,
    by: Actor = OPERATOR,
    key: str | None = None,
) -> AuctionDetail:
    """Announce an auction of ``lot`` t of ``instrument`` from its auction account (default
    ``{family}-AUCTION``), bidding from ``opens`` to ``closes`` (timezone-aware instants).

    ``reserve`` is the reserve price in fen per tonne; without it, the VWAP of the listing
    trades of the three calendar months before the announcement's month (refused when none
    traded). The lot is reserved in the auction account at once (refused when it does not
    hold that many available units). Only the regulator announces. A repeat with the same
    ``key`` returns the first announcement (``replayed``).
    """
    require_regulator(by, "announce auctions")
    code = parse_instrument(instrument).code
    account_id = source or auction_account_for(code)
    _positive(lot, "the lot")
    if reserve is not None:
        _positive(reserve, "the reserve price")
    opens_at, closes_at = _instant(opens, "opens"), _instant(closes, "closes")
    if opens_at >= closes_at:
        raise InvalidInput(f"bidding must open before it closes ({opens_at} ≥ {closes_at})")
    key = optional_key(key)
    fingerprint = f"announce|{code}|{account_id}|{lot}|{reserve}|{opens_at}|{closes_at}"
    now = app.clock.now()

    def work(connection: Connection) -> AuctionDetail:
        LedgerStore(connection).lock_head()
        if key is not None:
            row = connection.execute(select(auctions).where(auctions.c.key == key)).first()
            if row is not None:
                if row.fingerprint != fingerprint:
                    raise Conflict(f"idempotency key {key!r} was already used for another auction")
                return _detail(connection, _auction_of(row), by, now, replayed=True)
        if closes_at <= utc_text(now):
            raise RuleViolation(f"bidding would close at {_local(closes_at)}, already past")
        account = LedgerStore(connection).load_accounts([account_id]).get(account_id)
        if account is None:
            raise NotFound(
                f"auction account {account_id!r} does not exist: allocation issues the "
                "auction reserve to it"
            )
        if account.kind is not AccountKind.AUCTION:
            raise RuleViolation(
                f"account {account_id!r} is a {account.kind} account, not an auction account"
            )
        window: tuple[str | None, str | None] = (None, None)
        price = reserve
        if price is None:
            first, last = reserve_window(business_date(now))
            price = reserve_from_vwap(market.vwap(connection, code, first, last))
            window = (first.isoformat(), last.isoformat())
        auction_id = next_id(connection, auctions.c.id)
        entry = settle_in(
            app,
            connection,
            (),
            [ReservationLine(account_id, code, lot)],
            reason=f"auction {auction_id}: lot reserved",
        )
        stamp = utc_text(now)
        connection.execute(
            auctions.insert().values(
                id=auction_id,
                instrument=code,
                source_account=account_id,
                lot=lot,
                reserve=price,
                reserve_basis="given" if reserve is not None else "vwap",
                reserve_from=window[0],
                reserve_to=window[1],
                opens_at=opens_at,
                closes_at=closes_at,
                state=AuctionState.ANNOUNCED.value,
                lot_entry_seq=entry.seq,
                announced_by=actor_name(by),
                announced_at=stamp,
                key=key,
                fingerprint=fingerprint if key else None,
            )
        )
        auction = _load_auction(connection, auction_id)
        outbox.record(connection, AUCTION_TOPIC, [_event(auction, "announced")], stamp)
        return _detail(connection, auction, by, now)

    return app.write(work)


# --- bid ------------------------------------------------------------------------------------


def _may_bid_for(actor: Actor, account: Account) -> bool:
    """The operator, or a member or entity user acting for the account's owner."""
    if isinstance(actor, Operator):
        return True
    return (
        actor.role in {Role.MEMBER, Role.ENTITY}
        and actor.owner is not None
        and actor.owner == account.owner
    )


def place_bid(
    app: App,
    auction_id: int,
    account: str,
    qty: int,
    price: int,
    *,
    by: Actor = OPERATOR,
    key: str | None = None,
) -> BidReceipt:
    """Bid ``qty`` t at ``price`` fen per tonne in an auction, for ``account`` (which pays
    and receives the units won).

    Refused (nothing changes) outside the bidding window, for an auction already cleared,
    under 1,000 t, under the reserve price, for an account the caller does not act for, or
    without ``price × qty`` fen available to reserve. A bid cannot be withdrawn. A repeat
    with the same ``key`` returns the first bid (``replayed``).
    """
    _positive(qty, "the bid quantity")
    _positive(price, "the bid price")
    key = optional_key(key)
    fingerprint = f"bid|{auction_id}|{account}|{qty}|{price}"
    now = app.clock.now()

    def work(connection: Connection) -> BidReceipt:
        ledger = LedgerStore(connection)
        ledger.lock_head()
        if key is not None:
            row = connection.execute(select(auction_bids).where(auction_bids.c.key == key)).first()
            if row is not None:
                if row.fingerprint != fingerprint:
                    raise Conflict(f"idempotency key {key!r} was already used for another bid")
                return BidReceipt(_bid_of(row), replayed=True)
        auction = _load_auction(connection, auction_id)
        holder = ledger.load_accounts([account]).get(account)
        if holder is None:
            raise NotFound(f"account {account!r} does not exist")
        if not _may_bid_for(by, holder):
            raise NotAuthorised(f"{who(by)} may not bid for account {account!r}")
        if holder.kind in SYSTEM_KINDS or holder.kind is AccountKind.AUCTION:
            raise RuleViolation(f"the {holder.kind} account {account!r} cannot bid")
        phase = auction.phase(now)
        if phase is Phase.UPCOMING:
            raise RuleViolation(
                f"bidding in auction {auction_id} opens at {_local(auction.opens_at)}"
            )
        if phase is not Phase.BIDDING:
            raise RuleViolation(
                f"bidding in auction {auction_id} closed at {_local(auction.closes_at)}"
            )
        check_bid(qty, price, auction.reserve)
        bid_id = next_id(connection, auction_bids.c.id)
        entry = settle_in(
            app,
            connection,
            (),
            [ReservationLine(account, FUNDS, qty * price)],
            reason=f"auction {auction_id}: bid {bid_id} reserved",
        )
        connection.execute(
            auction_bids.insert().values(
                id=bid_id,
                auction_id=auction_id,
                bidder=holder.owner,
                account=account,
                qty=qty,
                price=price,
                placed_at=utc_text(now),
                freeze_entry_seq=entry.seq,
                actor=actor_name(by),
                key=key,
                fingerprint=fingerprint if key else None,
            )
        )
        row = connection.execute(select(auction_bids).where(auction_bids.c.id == bid_id)).one()
        return BidReceipt(_bid_of(row))

    return app.write(work)


# --- clear ----------------------------------------------------------------------------------


def clear_auction(app: App, auction_id: int, *, by: Actor = OPERATOR) -> AuctionDetail:
    """Clear an auction whose bidding window has closed, and settle it.

    The bids are ranked (price, then time) and filled up to the lot, no account winning more
    than half of it; every winner pays the lowest accepted price. One registry entry moves
    the units sold to the winners and their payment to the auction account, and releases the
    rest of every bid's reservation and the unsold part of the lot. Only the regulator clears;
    clearing a cleared auction again returns it (``replayed``).
    """
    require_regulator(by, "clear auctions")
    now = app.clock.now()

    def work(connection: Connection) -> AuctionDetail:
        LedgerStore(connection).lock_head()
        auction = _load_auction(connection, auction_id)
        if auction.state is AuctionState.CLEARED:
            return _detail(connection, auction, by, now, replayed=True)
        if auction.phase(now) is not Phase.CLOSED:
            raise RuleViolation(
                f"auction {auction_id} can be cleared once bidding closes at "
                f"{_local(auction.closes_at)}"
            )
        stored = _load_bids(connection, auction_id)
        # the 50% cap is per bidder (the accounts' owner), the units go to each bid's account
        bids = [Bid(b.id, b.bidder, b.qty, b.price, seq=b.id) for b in stored]
        result = clear(auction.lot, bids, auction.reserve, MIN_BID, MAX_SHARE)
        price = result.price or 0
        filled = {fill.bid_id: fill.qty for fill in result.fills}
        won: dict[str, int] = {}
        for bid in stored:
            if filled[bid.id]:
                won[bid.account] = won.get(bid.account, 0) + filled[bid.id]
        trades = [
            TradeLine(account, auction.source_account, auction.instrument, qty, price)
            for account, qty in won.items()
        ]
        reserved: dict[str, int] = {}
        for bid in stored:
            reserved[bid.account] = reserved.get(bid.account, 0) + bid.amount
        releases = [
            ReservationLine(account, FUNDS, -(amount - won.get(account, 0) * price))
            for account, amount in reserved.items()
            if amount != won.get(account, 0) * price
        ]
        if result.unsold:
            releases.append(
                ReservationLine(auction.source_account, auction.instrument, -result.unsold)
            )
        entry = settle_in(app, connection, trades, releases, reason=f"auction {auction_id}")
        for bid in stored:
            connection.execute(
                auction_bids.update()
                .where(auction_bids.c.id == bid.id)
                .values(filled=filled[bid.id])
            )
        stamp = utc_text(now)
        connection.execute(
            auctions.update()
            .where(auctions.c.id == auction_id)
            .values(
                state=AuctionState.CLEARED.value,
                clearing_price=result.price,
                sold=result.sold,
                unsold=result.unsold,
                settle_entry_seq=entry.seq,
                cleared_by=actor_name(by),
                cleared_at=stamp,
            )
        )
        cleared = _load_auction(connection, auction_id)
        outbox.record(connection, AUCTION_TOPIC, [_event(cleared, "cleared")], stamp)
        return _detail(connection, cleared, by, now)

    return app.write(work)


# --- reads ----------------------------------------------------------------------------------


def _visible_bids(connection: Connection, actor: Actor, bids: list[StoredBid]) -> list[StoredBid]:
    if is_regulator(actor):
        return bids
    if isinstance(actor, User) and actor.role in {Role.MEMBER, Role.ENTITY} and actor.owner:
        return [b for b in bids if b.bidder == actor.owner]
    return []


def _detail(
    connection: Connection, auction: Auction, actor: Actor, now: datetime, replayed: bool = False
) -> AuctionDetail:
    bids = _load_bids(connection, auction.id)
    allocation: list[Allocation] = []
    if auction.state is AuctionState.CLEARED:
        won: dict[str, Allocation] = {}
        for bid in sorted(bids, key=lambda b: (-b.price, b.id)):
            if bid.filled:
                before = won.get(bid.account)
                qty = bid.filled + (before.qty if before else 0)
                won[bid.account] = Allocation(
                    bid.account, bid.bidder, qty, qty * (auction.clearing_price or 0)
                )
        allocation = list(won.values())
    return AuctionDetail(
        auction=auction,
        bids=tuple(_visible_bids(connection, actor, bids)),
        allocation=tuple(allocation),
        bid_count=len(bids),
        phase=auction.phase(now),
        replayed=replayed,
    )


def show_auction(app: App, auction_id: int, *, by: Actor = OPERATOR) -> AuctionDetail:
    """One auction: lot, reserve, window, phase; the bids the caller may see; the results
    once cleared. Anyone may read."""
    with app.reading() as connection:
        return _detail(connection, _load_auction(connection, auction_id), by, app.clock.now())


def auction_list(app: App) -> list[Auction]:
    """Every auction, newest first. Anyone may read."""
    with app.reading() as connection:
        rows = connection.execute(select(auctions).order_by(auctions.c.id.desc())).all()
    return [_auction_of(r) for r in rows]


# --- documents (the JSON the CLI prints and the API returns) -------------------------------


def _event(auction: Auction, what: str) -> dict[str, object]:
    return {
        "auction": auction.id,
        "event": what,
        "instrument": auction.instrument,
        "lot": auction.lot,
        "reserve": auction.reserve,
        "clearing_price": auction.clearing_price,
        "sold": auction.sold,
        "unsold": auction.unsold,
    }


def bid_document(bid: StoredBid, replayed: bool = False) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": bid.id,
        "auction": bid.auction_id,
        "bidder": bid.bidder,
        "account": bid.account,
        "qty": bid.qty,
        "price_fen": bid.price,
        "price_yuan": yuan(bid.price),
        "reserved_fen": bid.amount,
        "placed_at": bid.placed_at,
        "entry": bid.freeze_entry_seq,
        "filled": bid.filled,
    }
    if replayed:
        document["replayed"] = True
    return document


def auction_document(auction: Auction, now: datetime | None = None) -> dict[str, Any]:
    """An auction's public figures (no bids)."""
    document: dict[str, Any] = {
        "id": auction.id,
        "instrument": auction.instrument,
        "source_account": auction.source_account,
        "lot": auction.lot,
        "max_per_bidder": bidder_cap(auction.lot),
        "min_bid": MIN_BID,
        "reserve_fen": auction.reserve,
        "reserve_yuan": yuan(auction.reserve),
        "reserve_basis": auction.reserve_basis,
        "reserve_window": (
            None
            if auction.reserve_from is None
            else {"from": auction.reserve_from, "to": auction.reserve_to}
        ),
        "opens_at": auction.opens_at,
        "closes_at": auction.closes_at,
        "state": auction.state.value,
        "announced_at": auction.announced_at,
        "lot_entry": auction.lot_entry_seq,
        "clearing_price_fen": auction.clearing_price,
        "clearing_price_yuan": None
        if auction.clearing_price is None
        else yuan(auction.clearing_price),
        "sold": auction.sold,
        "unsold": auction.unsold,
        "value_fen": auction.value if auction.state is AuctionState.CLEARED else None,
        "settlement_entry": auction.settle_entry_seq,
        "cleared_at": auction.cleared_at,
    }
    if now is not None:
        document["phase"] = auction.phase(now).value
    return document


def detail_document(detail: AuctionDetail) -> dict[str, Any]:
    document = auction_document(detail.auction)
    document["phase"] = detail.phase.value
    document["bid_count"] = detail.bid_count
    document["bids"] = [bid_document(b) for b in detail.bids]
    document["allocation"] = [
        {"account": a.account, "bidder": a.bidder, "qty": a.qty, "paid_fen": a.paid}
        for a in detail.allocation
    ]
    if detail.replayed:
        document["replayed"] = True
    return document
