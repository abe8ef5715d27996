"""Negotiated block-trade use cases: propose, confirm, reject, withdraw, expire, list and the
day's block statistics. One function each; every state change is one transaction under the
registry's journal head lock.

The flow, with its registry entries (the rules are in :mod:`openets.exchange.block`):

1. **propose** (a member, for its own trading account; the operator for anyone), in trading
   hours: seller, buyer, instrument, tonnes (≥ 100,000) and price (within ±30% of the
   previous close). The proposer's side is reserved at once — the seller's units, or the
   buyer's ``price × qty`` fen — so the trade cannot fail to settle: one ``reservation``
   entry.
2. **confirm** (the named counterparty), in trading hours on the same day: the
   counterparty's side is reserved and the trade settles delivery versus payment, T+0, in
   ONE ``settlement`` entry.
3. **reject** (the counterparty) or **withdraw** (the proposer) before confirmation: the
   proposer's reservation is released (one ``reservation`` entry). A proposal still open at
   the day's close **expires** the same way (:func:`expire_blocks`, or on the first attempt
   to confirm it).

Block trades are reported apart from the listing market: they are not in the listing
trades, so they move neither the close nor the VWAP (:func:`block_statistics` gives their
own figures).

Who may read: the regulator and the command-line operator see every proposal; a member sees
its own; everyone sees the confirmed trades (without the parties).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from openets.auth.model import Role, User
from openets.bootstrap import App
from openets.clock import business_date, utc_text
from openets.db.tables_auction import block_trades
from openets.errors import Conflict, NotAuthorised, NotFound, RuleViolation
from openets.exchange import market, outbox
from openets.exchange.auction import yuan
from openets.exchange.block import (
    BlockState,
    Side,
    check_block,
    require_counterparty,
    require_open,
    require_proposer,
)
from openets.exchange.calendar import after_close, require_in_session
from openets.exchange.services import member_of, require_acts_for, require_closed_before
from openets.exchange.settlement import settle_in
from openets.exchange.store import ExchangeStore, next_id
from openets.mrv.permissions import (
    OPERATOR,
    Actor,
    actor_name,
    is_regulator,
    require_regulator,
    who,
)
from openets.registry.instruments import parse_instrument
from openets.registry.model import FUNDS, ReservationLine, TradeLine, optional_key
from openets.registry.store import LedgerStore

__all__ = [
    "BLOCK_TOPIC",
    "BlockStatistics",
    "BlockTrade",
    "block_document",
    "block_list",
    "block_statistics",
    "confirm_block",
    "expire_blocks",
    "get_block",
    "propose_block",
    "reject_block",
    "show_block",
    "statistics_document",
    "withdraw_block",
]

BLOCK_TOPIC = "exchange.block"


@dataclass(frozen=True, slots=True)
class BlockTrade:
    """A block-trade proposal and what became of it."""

    id: int
    instrument: str
    qty: int
    price: int
    seller: str
    buyer: str
    proposer: Side
    state: BlockState
    trade_date: str
    previous_close: int
    proposed_at: str
    proposed_by: str
    reserve_entry_seq: int
    decided_at: str | None
    decided_by: str | None
    settle_entry_seq: int | None
    release_entry_seq: int | None
    replayed: bool = False

    @property
    def value(self) -> int:
        """Price × tonnes, fen."""
        return self.price * self.qty

    @property
    def proposer_account(self) -> str:
        return self.seller if self.proposer is Side.SELLER else self.buyer

    @property
    def counterparty(self) -> str:
        return self.buyer if self.proposer is Side.SELLER else self.seller

    def reservation(self, side: Side) -> ReservationLine:
        """What ``side`` holds reserved for the trade: the seller's tonnes, or the buyer's
        ``price × qty`` fen."""
        if side is Side.SELLER:
            return ReservationLine(self.seller, self.instrument, self.qty)
        return ReservationLine(self.buyer, FUNDS, self.value)


def _block_of(row: Any) -> BlockTrade:
    def maybe(value: Any) -> int | None:
        return None if value is None else int(value)

    return BlockTrade(
        id=int(row.id),
        instrument=row.instrument,
        qty=int(row.qty),
        price=int(row.price),
        seller=row.seller,
        buyer=row.buyer,
        proposer=Side(row.proposer),
        state=BlockState(row.state),
        trade_date=row.trade_date,
        previous_close=int(row.previous_close),
        proposed_at=row.proposed_at,
        proposed_by=row.proposed_by,
        reserve_entry_seq=int(row.reserve_entry_seq),
        decided_at=row.decided_at,
        decided_by=row.decided_by,
        settle_entry_seq=maybe(row.settle_entry_seq),
        release_entry_seq=maybe(row.release_entry_seq),
    )


def _load(connection: Connection, block_id: int) -> BlockTrade:
    row = connection.execute(select(block_trades).where(block_trades.c.id == block_id)).first()
    if row is None:
        raise NotFound(f"block trade {block_id} does not exist")
    return _block_of(row)


def _stale(block: BlockTrade, now: datetime) -> bool:
    """Whether an open proposal has outlived its trading day (it expires at the close)."""
    today = business_date(now).isoformat()
    return block.trade_date < today or (block.trade_date == today and after_close(now))


# --- propose --------------------------------------------------------------------------------


def propose_block(
    app: App,
    *,
    seller: str,
    buyer: str,
    instrument: str,
    qty: int,
    price: int,
    proposer: str | None = None,
    by: Actor = OPERATOR,
    key: str | None = None,
) -> BlockTrade:
    """Propose a block trade of ``qty`` t of ``instrument`` at ``price`` fen per tonne from
    ``seller`` to ``buyer`` (members' trading accounts). ``proposer`` is the account that
    proposes (the seller by default, or the buyer); its side is reserved at once.

    Refused (nothing changes) outside trading hours, under 100,000 t, outside ±30% of the
    previous close (the message names the band), for an instrument not listed, for a caller
    who does not act for the proposer, or when the proposer's units or funds are not
    available. A repeat with the same ``key`` returns the first proposal (``replayed``).
    """
    code = parse_instrument(instrument).code
    proposer = proposer or seller
    if proposer not in {seller, buyer}:
        raise RuleViolation(f"the proposer {proposer!r} must be the seller or the buyer")
    side = Side.SELLER if proposer == seller else Side.BUYER
    key = optional_key(key)
    fingerprint = f"block|{seller}|{buyer}|{code}|{qty}|{price}|{side}"
    now = app.clock.now()
    day = business_date(now).isoformat()

    def work(connection: Connection) -> BlockTrade:
        LedgerStore(connection).lock_head()
        if key is not None:
            row = connection.execute(select(block_trades).where(block_trades.c.key == key)).first()
            if row is not None:
                if row.fingerprint != fingerprint:
                    raise Conflict(f"idempotency key {key!r} was already used for another trade")
                return replace(_block_of(row), replayed=True)
        require_acts_for(
            by, member_of(ExchangeStore(connection), proposer), "propose a block trade"
        )
        member_of(ExchangeStore(connection), buyer if side is Side.SELLER else seller)
        require_in_session(now, "a block trade")
        if ExchangeStore(connection).listing(code) is None:
            raise RuleViolation(f"instrument {code} is not listed on the exchange")
        # the band is around the previous close: an earlier day with trades must be closed
        require_closed_before(ExchangeStore(connection), code, day)
        close = market.previous_close(connection, code, day)
        check_block(seller, buyer, qty, price, close)
        assert close is not None  # check_block refuses a missing close
        block_id = next_id(connection, block_trades.c.id)
        draft = BlockTrade(
            id=block_id,
            instrument=code,
            qty=qty,
            price=price,
            seller=seller,
            buyer=buyer,
            proposer=side,
            state=BlockState.PROPOSED,
            trade_date=day,
            previous_close=close,
            proposed_at=utc_text(now),
            proposed_by=actor_name(by),
            reserve_entry_seq=0,
            decided_at=None,
            decided_by=None,
            settle_entry_seq=None,
            release_entry_seq=None,
        )
        entry = settle_in(
            app,
            connection,
            (),
            [draft.reservation(side)],
            reason=f"block trade {block_id}: proposed",
        )
        connection.execute(
            block_trades.insert().values(
                id=block_id,
                instrument=code,
                qty=qty,
                price=price,
                seller=seller,
                buyer=buyer,
                proposer=side.value,
                state=BlockState.PROPOSED.value,
                trade_date=day,
                previous_close=close,
                proposed_at=draft.proposed_at,
                proposed_by=draft.proposed_by,
                reserve_entry_seq=entry.seq,
                key=key,
                fingerprint=fingerprint if key else None,
            )
        )
        return _load(connection, block_id)

    return app.write(work)


# --- decide ---------------------------------------------------------------------------------


def _release(
    app: App, connection: Connection, blocks: list[BlockTrade], state: BlockState, by: Actor
) -> list[BlockTrade]:
    """Release the proposers' reservations of open proposals (one registry entry) and record
    them as ``state``."""
    if not blocks:
        return []
    lines: dict[tuple[str, str], int] = {}
    for block in blocks:
        account, instrument, amount = block.reservation(block.proposer)
        lines[(account, instrument)] = lines.get((account, instrument), 0) + amount
    ids = ", ".join(str(b.id) for b in blocks)
    entry = settle_in(
        app,
        connection,
        (),
        [ReservationLine(a, i, -amount) for (a, i), amount in sorted(lines.items())],
        reason=f"block trade {ids}: {state}",
    )
    stamp = utc_text(app.clock.now())
    for block in blocks:
        connection.execute(
            block_trades.update()
            .where(block_trades.c.id == block.id)
            .values(
                state=state.value,
                decided_at=stamp,
                decided_by=actor_name(by),
                release_entry_seq=entry.seq,
            )
        )
    return [_load(connection, b.id) for b in blocks]


def confirm_block(app: App, block_id: int, party: str, *, by: Actor = OPERATOR) -> BlockTrade:
    """The counterparty ``party`` confirms a proposal: its side is reserved and the trade
    settles at once, delivery versus payment, in one registry entry.

    Refused when ``party`` is not the counterparty (or the caller does not act for it),
    outside trading hours, when the proposal is no longer open, or when the counterparty's
    funds or units are not available. A proposal from an earlier day, or after the close,
    has expired: its reservation is released and the confirmation refused. Confirming a
    confirmed trade again returns it (``replayed``) and changes nothing.
    """
    now = app.clock.now()

    def work(connection: Connection) -> tuple[BlockTrade, bool]:
        LedgerStore(connection).lock_head()
        block = _load(connection, block_id)
        require_counterparty(party, block.counterparty, block_id, "confirm")
        require_acts_for(by, member_of(ExchangeStore(connection), party), "confirm a block trade")
        if block.state is BlockState.CONFIRMED:
            return replace(block, replayed=True), False
        require_open(block.state, block_id)
        if _stale(block, now):
            return _release(app, connection, [block], BlockState.EXPIRED, by)[0], True
        require_in_session(now, "confirming a block trade")
        counter = Side.BUYER if block.proposer is Side.SELLER else Side.SELLER
        entry = settle_in(
            app,
            connection,
            [TradeLine(block.buyer, block.seller, block.instrument, block.qty, block.price)],
            [block.reservation(counter)],
            reason=f"block trade {block_id}",
        )
        stamp = utc_text(now)
        connection.execute(
            block_trades.update()
            .where(block_trades.c.id == block_id)
            .values(
                state=BlockState.CONFIRMED.value,
                decided_at=stamp,
                decided_by=actor_name(by),
                settle_entry_seq=entry.seq,
            )
        )
        confirmed = _load(connection, block_id)
        outbox.record(connection, BLOCK_TOPIC, [_event(confirmed)], stamp)
        return confirmed, False

    block, expired = app.write(work)
    if expired:
        raise RuleViolation(
            f"block trade {block_id} expired at the close of {block.trade_date}; "
            "its reservation is released"
        )
    return block


def reject_block(app: App, block_id: int, party: str, *, by: Actor = OPERATOR) -> BlockTrade:
    """The counterparty ``party`` rejects an open proposal; the proposer's reservation is
    released. Rejecting it again returns it (``replayed``)."""

    def work(connection: Connection) -> BlockTrade:
        LedgerStore(connection).lock_head()
        block = _load(connection, block_id)
        require_counterparty(party, block.counterparty, block_id, "reject")
        require_acts_for(by, member_of(ExchangeStore(connection), party), "reject a block trade")
        if block.state is BlockState.REJECTED:
            return replace(block, replayed=True)
        require_open(block.state, block_id)
        return _release(app, connection, [block], BlockState.REJECTED, by)[0]

    return app.write(work)


def withdraw_block(app: App, block_id: int, party: str, *, by: Actor = OPERATOR) -> BlockTrade:
    """The proposer ``party`` withdraws its open proposal; its reservation is released.
    Withdrawing it again returns it (``replayed``)."""

    def work(connection: Connection) -> BlockTrade:
        LedgerStore(connection).lock_head()
        block = _load(connection, block_id)
        require_proposer(party, block.proposer_account, block_id)
        require_acts_for(by, member_of(ExchangeStore(connection), party), "withdraw a block trade")
        if block.state is BlockState.WITHDRAWN:
            return replace(block, replayed=True)
        require_open(block.state, block_id)
        return _release(app, connection, [block], BlockState.WITHDRAWN, by)[0]

    return app.write(work)


def expire_blocks(app: App, *, by: Actor = OPERATOR) -> list[BlockTrade]:
    """Expire every proposal still open after its day's close (the regulator or the operator,
    e.g. with the end of the trading day); their reservations are released in one entry."""
    require_regulator(by, "expire block-trade proposals")
    now = app.clock.now()

    def work(connection: Connection) -> list[BlockTrade]:
        LedgerStore(connection).lock_head()
        return expire_in(app, connection, now, by)

    return app.write(work)


def expire_in(app: App, connection: Connection, now: datetime, by: Actor) -> list[BlockTrade]:
    """Inside the caller's transaction (the ledger head locked): expire the proposals that
    have outlived their trading day at ``now`` (the day's close expires them)."""
    query = select(block_trades).where(block_trades.c.state == BlockState.PROPOSED.value)
    stale = [b for b in map(_block_of, connection.execute(query)) if _stale(b, now)]
    return _release(app, connection, stale, BlockState.EXPIRED, by)


# --- reads ----------------------------------------------------------------------------------


def _may_see_parties(actor: Actor, owners: set[str]) -> bool:
    if is_regulator(actor):
        return True
    return (
        isinstance(actor, User)
        and actor.role is Role.MEMBER
        and actor.owner is not None
        and actor.owner in owners
    )


def _owners(connection: Connection, block: BlockTrade) -> set[str]:
    store = ExchangeStore(connection)
    return {m.name for m in map(store.member, (block.seller, block.buyer)) if m is not None}


def show_block(app: App, block_id: int, *, by: Actor = OPERATOR) -> tuple[BlockTrade, bool]:
    """One block trade and whether the caller may see its parties: the regulator and the
    parties see it whole; anyone else only a confirmed trade, without the parties."""
    with app.reading() as connection:
        block = _load(connection, block_id)
        parties = _may_see_parties(by, _owners(connection, block))
    if not parties and block.state is not BlockState.CONFIRMED:
        raise NotAuthorised(f"{who(by)} may not read block trade {block_id}")
    return block, parties


def get_block(app: App, block_id: int, *, by: Actor = OPERATOR) -> BlockTrade:
    """One block trade (see :func:`show_block` for who may read it)."""
    return show_block(app, block_id, by=by)[0]


def block_list(
    app: App, day: date | None = None, *, by: Actor = OPERATOR
) -> list[tuple[BlockTrade, bool]]:
    """The block trades of a business date (default today), oldest first, each with whether
    the caller may see its parties. The regulator sees every proposal; a member its own
    proposals and everyone's confirmed trades; anyone else the confirmed trades."""
    text = (day or app.today()).isoformat()
    with app.reading() as connection:
        rows = connection.execute(
            select(block_trades)
            .where(block_trades.c.trade_date == text)
            .order_by(block_trades.c.id)
        ).all()
        listed: list[tuple[BlockTrade, bool]] = []
        for block in map(_block_of, rows):
            parties = _may_see_parties(by, _owners(connection, block))
            if parties or block.state is BlockState.CONFIRMED:
                listed.append((block, parties))
    return listed


@dataclass(frozen=True, slots=True)
class BlockStatistics:
    """Confirmed block trades of one instrument: on the day and since launch (tonnes, fen)."""

    instrument: str
    day: str
    trades: int
    volume: int
    value: int
    cumulative_volume: int
    cumulative_value: int


def block_statistics(app: App | Connection, day: date | str) -> list[BlockStatistics]:
    """The block section of the market statistics: per instrument, the confirmed block
    trades of ``day`` and cumulative to it. Public."""
    text = day if isinstance(day, str) else day.isoformat()
    t = block_trades
    confirmed = t.c.state == BlockState.CONFIRMED.value
    value = func.sum(t.c.qty * t.c.price)
    daily = (
        select(t.c.instrument, func.count(), func.sum(t.c.qty), value)
        .where(confirmed, t.c.trade_date == text)
        .group_by(t.c.instrument)
    )
    total = (
        select(t.c.instrument, func.sum(t.c.qty), value)
        .where(confirmed, t.c.trade_date <= text)
        .group_by(t.c.instrument)
    )

    def read(connection: Connection) -> list[BlockStatistics]:
        today = {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in connection.execute(daily)}
        upto = {r[0]: (int(r[1]), int(r[2])) for r in connection.execute(total)}
        return [
            BlockStatistics(code, text, *today.get(code, (0, 0, 0)), *upto[code])
            for code in sorted(upto)
        ]

    if isinstance(app, Connection):
        return read(app)
    with app.reading() as connection:
        return read(connection)


# --- documents ------------------------------------------------------------------------------


def _event(block: BlockTrade) -> dict[str, object]:
    return {
        "block": block.id,
        "instrument": block.instrument,
        "qty": block.qty,
        "price": block.price,
        "value": block.value,
        "date": block.trade_date,
        "entry": block.settle_entry_seq,
    }


def block_document(block: BlockTrade, parties: bool = True) -> dict[str, Any]:
    """A block trade as JSON; without ``parties`` only the public figures of a confirmed
    trade."""
    document: dict[str, Any] = {
        "id": block.id,
        "instrument": block.instrument,
        "qty": block.qty,
        "price_fen": block.price,
        "price_yuan": yuan(block.price),
        "value_fen": block.value,
        "state": block.state.value,
        "date": block.trade_date,
        "previous_close_fen": block.previous_close,
        "decided_at": block.decided_at,
        "settlement_entry": block.settle_entry_seq,
    }
    if parties:
        document.update(
            seller=block.seller,
            buyer=block.buyer,
            proposer=block.proposer.value,
            proposed_at=block.proposed_at,
            proposed_by=block.proposed_by,
            decided_by=block.decided_by,
            reservation_entry=block.reserve_entry_seq,
            release_entry=block.release_entry_seq,
        )
    if block.replayed:
        document["replayed"] = True
    return document


def statistics_document(lines: list[BlockStatistics]) -> list[dict[str, Any]]:
    return [
        {
            "instrument": s.instrument,
            "date": s.day,
            "trades": s.trades,
            "volume": s.volume,
            "value_fen": s.value,
            "cumulative_volume": s.cumulative_volume,
            "cumulative_value_fen": s.cumulative_value,
        }
        for s in lines
    ]
