"""Tables of allowance auctions and block trades (on the shared
:data:`openets.db.schema.metadata`).

Accounts are plain registry account ids (a member's trading account holds its units and its
``CNY`` funds);
money is BIGINT fen, quantities BIGINT tonnes, prices fen per tonne, instants UTC text.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from openets.db.schema import SEQ, metadata

__all__ = ["auction_bids", "auctions", "block_trades", "metadata"]

auctions = Table(
    "auctions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("instrument", String(16), nullable=False),
    #: the auction reserve's account: sells the lot, receives what the winners pay (CNY)
    Column("source_account", String(64), nullable=False),
    Column("lot", BigInteger, nullable=False),
    Column("reserve", BigInteger, nullable=False),  # fen per tonne
    Column("reserve_basis", String(8), nullable=False),  # given | vwap
    Column("reserve_from", String(10), nullable=True),  # the VWAP window, business dates
    Column("reserve_to", String(10), nullable=True),
    Column("opens_at", String(32), nullable=False),
    Column("closes_at", String(32), nullable=False),
    Column("state", String(16), nullable=False),  # announced | cleared
    Column("lot_entry_seq", SEQ, ForeignKey("journal.seq"), nullable=False),  # lot frozen
    Column("announced_by", String(64), nullable=False),
    Column("announced_at", String(32), nullable=False),
    Column("clearing_price", BigInteger, nullable=True),
    Column("sold", BigInteger, nullable=True),
    Column("unsold", BigInteger, nullable=True),
    Column("settle_entry_seq", SEQ, ForeignKey("journal.seq"), nullable=True),
    Column("cleared_by", String(64), nullable=True),
    Column("cleared_at", String(32), nullable=True),
    Column("key", String(200), nullable=True, unique=True),
    Column("fingerprint", Text, nullable=True),
)

auction_bids = Table(
    "auction_bids",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # also the time priority
    Column("auction_id", Integer, ForeignKey("auctions.id"), nullable=False),
    Column("bidder", String(200), nullable=False),  # the account's owner
    #: the bidder's account: price x qty of its CNY reserved; pays and receives the units won
    Column("account", String(64), nullable=False),
    Column("qty", BigInteger, nullable=False),
    Column("price", BigInteger, nullable=False),  # fen per tonne
    Column("placed_at", String(32), nullable=False),
    Column("freeze_entry_seq", SEQ, ForeignKey("journal.seq"), nullable=False),
    Column("filled", BigInteger, nullable=True),  # tonnes won, set at clearing
    Column("actor", String(64), nullable=False),
    Column("key", String(200), nullable=True, unique=True),
    Column("fingerprint", Text, nullable=True),
    Index(None, "auction_id"),
)

block_trades = Table(
    "block_trades",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("instrument", String(16), nullable=False),
    Column("qty", BigInteger, nullable=False),
    Column("price", BigInteger, nullable=False),  # fen per tonne
    #: the members' trading accounts (units and CNY funds in one registry account)
    Column("seller", String(64), nullable=False),
    Column("buyer", String(64), nullable=False),
    Column("proposer", String(8), nullable=False),  # seller | buyer
    Column("state", String(16), nullable=False),  # proposed | confirmed | rejected | ...
    Column("trade_date", String(10), nullable=False),  # business date, CST
    Column("previous_close", BigInteger, nullable=False),
    Column("proposed_at", String(32), nullable=False),
    Column("proposed_by", String(64), nullable=False),
    Column("reserve_entry_seq", SEQ, ForeignKey("journal.seq"), nullable=False),
    Column("decided_at", String(32), nullable=True),
    Column("decided_by", String(64), nullable=True),
    Column("settle_entry_seq", SEQ, ForeignKey("journal.seq"), nullable=True),
    Column("release_entry_seq", SEQ, ForeignKey("journal.seq"), nullable=True),
    Column("key", String(200), nullable=True, unique=True),
    Column("fingerprint", Text, nullable=True),
    Index(None, "trade_date"),
)
