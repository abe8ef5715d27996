"""The relational schema (SQLAlchemy Core). Alembic migrations create exactly this.

Quantities are BIGINT tonnes (or fen); the account id, the shard key of a distributed
deployment, is in every hot table.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

#: journal sequence numbers: BIGINT, but INTEGER on SQLite so that it is the rowid
SEQ = BigInteger().with_variant(Integer(), "sqlite")

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("opened_at", String(32), nullable=False),
    Index(None, "owner"),
)

instruments = Table(
    "instruments",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("next_serial", BigInteger, nullable=False),
)

positions = Table(
    "positions",
    metadata,
    Column("account_id", String(64), ForeignKey("accounts.id"), nullable=False),
    Column("instrument", String(16), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("frozen", BigInteger, nullable=False),
    #: the serial blocks held, packed (see ``openets.registry.store.pack_blocks``): one row
    #: write per position and batch, however many blocks a batch splits and merges
    Column("serial_blocks", LargeBinary, nullable=False),
    PrimaryKeyConstraint("account_id", "instrument"),
    sqlite_with_rowid=False,
)

journal = Table(
    "journal",
    metadata,
    # INTEGER on SQLite makes the sequence number the rowid: one B-tree fewer per entry
    Column("seq", SEQ, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Column("business_date", String(10), nullable=False),
    Column("memo", Text, nullable=False),
    Column("idem_key", String(200), nullable=True),
    Column("fingerprint", Text, nullable=True),
    Column("reverses", BigInteger, nullable=True),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # partial unique indexes: entries without a key or not reversing anything cost nothing
    Index(
        "uq_journal_idem_key",
        "idem_key",
        unique=True,
        sqlite_where=text("idem_key IS NOT NULL"),
        postgresql_where=text("idem_key IS NOT NULL"),
    ),
    Index(
        "uq_journal_reverses",
        "reverses",
        unique=True,
        sqlite_where=text("reverses IS NOT NULL"),
        postgresql_where=text("reverses IS NOT NULL"),
    ),
)

postings = Table(
    "postings",
    metadata,
    # No foreign keys on this append-only table: its rows are written only by the registry's
    # one write path, under the journal head lock, after every account was checked; foreign
    # key checks would cost a fifth of a large batch's time. `openets audit verify` checks
    # that every posting belongs to an entry and names an existing account.
    Column("seq", SEQ, nullable=False),
    Column("n", Integer, nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("instrument", String(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("frozen", BigInteger, nullable=False),
    Column("serial_start", BigInteger, nullable=True),
    Column("serial_end", BigInteger, nullable=True),
    PrimaryKeyConstraint("seq", "n"),
    # serial history looks up the postings that received a serial: indexing only those
    # (amount > 0) halves the index's writes
    Index(
        "ix_postings_serials_in",
        "instrument",
        "serial_start",
        sqlite_where=text("amount > 0"),
        postgresql_where=text("amount > 0"),
    ),
    Index(None, "account_id", "seq"),
    sqlite_with_rowid=False,
)

#: One row: the sequence number and hash of the newest entry. Every writer locks it first,
#: which orders all journal appends (the chain needs a total order) and so also rules out
#: lost updates and overdrafts between concurrent writers.
journal_head = Table(
    "journal_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(32), nullable=False),
    #: the owner whose accounts an entity, member or project-owner user may see and move
    Column("owner", String(200), nullable=True),
    Column("password_hash", Text, nullable=True),
    Column("created_at", String(32), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("user_name", String(64), ForeignKey("users.name"), nullable=False),
    Column("secret_hash", Text, nullable=False),
    Column("label", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("revoked", Boolean, nullable=False),
    Index(None, "user_name"),
)
