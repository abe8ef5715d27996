"""Tables of carbon finance: allowance pledges and their valuations (on the shared
:data:`openets.db.schema.metadata`).

A pledge keeps the journal entries that froze its units (``freeze_seq``), unfroze them on
release or default (``unfreeze_seq``) and moved them to the lender on default
(``transfer_seq``). Money is BIGINT fen; ratios are exact decimal text.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from openets.db.schema import SEQ, metadata

__all__ = ["metadata", "pledge_valuations", "pledges"]

pledges = Table(
    "pledges",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("borrower", String(64), ForeignKey("accounts.id"), nullable=False),
    Column("lender", String(64), ForeignKey("accounts.id"), nullable=False),
    Column("instrument", String(16), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("loan_fen", BigInteger, nullable=False),
    Column("start", String(10), nullable=False),  # ISO business dates
    Column("maturity", String(10), nullable=False),
    Column("ltv_limit", Text, nullable=False),  # exact decimal text
    Column("margin", Text, nullable=False),
    Column("call_level", Text, nullable=False),
    Column("status", String(16), nullable=False),  # active | warning | released | defaulted
    Column("close_fen", BigInteger, nullable=False),  # the close the creation was checked at
    Column("value_fen", BigInteger, nullable=False),  # the value at creation
    # set in the transaction that creates the pledge, right after its row (whose id the entry's
    # idempotency key names)
    Column("freeze_seq", SEQ, ForeignKey("journal.seq"), nullable=True, unique=True),
    Column("unfreeze_seq", SEQ, ForeignKey("journal.seq"), nullable=True),
    Column("transfer_seq", SEQ, ForeignKey("journal.seq"), nullable=True),
    Column("idem_key", String(200), nullable=True, unique=True),
    Column("fingerprint", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("ended_by", String(64), nullable=True),  # who released it or declared the default
    Column("ended_at", String(32), nullable=True),
    Index(None, "borrower"),
    Index(None, "lender"),
    Index(None, "status"),
)

pledge_valuations = Table(
    "pledge_valuations",
    metadata,
    Column("pledge_id", Integer, ForeignKey("pledges.id"), primary_key=True),
    Column("day", String(10), primary_key=True),  # ISO business date valued
    Column("close_fen", BigInteger, nullable=False),
    Column("value_fen", BigInteger, nullable=False),
    Column("ltv", Text, nullable=True),  # loan / value, 4 places; null when the value is 0
    Column("coverage", Text, nullable=False),  # value / loan, 4 places
    Column("level", String(8), nullable=False),  # ok | warning | call
    Column("at", String(32), nullable=False),
)
