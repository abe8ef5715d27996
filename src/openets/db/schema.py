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
    UniqueConstraint,
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

# --- MRV: covered entities, facilities, monitoring plans and emission reports ---------------
#
# Decimal figures (activity data, factors, emissions) are stored as fixed-point TEXT, so they
# come back exactly as computed on both engines; whole-tonne totals are BIGINT.

mrv_entities = Table(
    "mrv_entities",
    metadata,
    Column("id", String(64), primary_key=True),  # also the id of its compliance account
    Column("name", String(200), nullable=False),  # the owner entity users act for
    Column("sector", String(32), nullable=False),
    Column("jurisdiction", String(16), nullable=False),
    Column("created_at", String(32), nullable=False),
    Index(None, "name"),
)

mrv_facilities = Table(
    "mrv_facilities",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("entity_id", String(64), ForeignKey("mrv_entities.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("city", String(100), nullable=False),
    Column("created_at", String(32), nullable=False),
    Index(None, "entity_id"),
)

mrv_plan_streams = Table(
    "mrv_plan_streams",
    metadata,
    Column("facility_id", String(64), ForeignKey("mrv_facilities.id"), nullable=False),
    Column("source", String(16), nullable=False),
    Column("item", String(64), nullable=False),
    Column("method", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
    PrimaryKeyConstraint("facility_id", "source", "item"),
)

mrv_reports = Table(
    "mrv_reports",
    metadata,
    Column("id", String(100), primary_key=True),  # <entity>-<year>-v<version>
    Column("entity_id", String(64), ForeignKey("mrv_entities.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_tco2", Text, nullable=False),
    Column("compliance_tco2", BigInteger, nullable=False),
    Column("biomass_tco2", Text, nullable=False),
    #: JSON breakdowns of the total: {source: tCO2} and [[facility, tCO2, t, biomass tCO2]]
    Column("by_source", Text, nullable=False),
    Column("by_facility", Text, nullable=False),
    Column("output", Text, nullable=True),
    Column("supersedes", String(100), nullable=True),
    Column("verifier", String(64), nullable=True),  # the assigned verifier's user name
    Column("created_at", String(32), nullable=False),
    Column("idem_key", String(200), nullable=True),
    Column("fingerprint", String(64), nullable=True),
    # "calculated" from activity data, or "imported" from an earlier system (migration 0004)
    Column("provenance", String(16), nullable=False, server_default=text("'calculated'")),
    Column("energy_tce", Text, nullable=True),  # energy use, tonnes of standard coal (0004)
    UniqueConstraint("entity_id", "year", "version"),
    Index(None, "status"),
    Index(None, "verifier"),
    Index(
        "uq_mrv_reports_idem_key",
        "idem_key",
        unique=True,
        sqlite_where=text("idem_key IS NOT NULL"),
        postgresql_where=text("idem_key IS NOT NULL"),
    ),
)

mrv_report_lines = Table(
    "mrv_report_lines",
    metadata,
    Column("report_id", String(100), ForeignKey("mrv_reports.id"), nullable=False),
    Column("row", Integer, nullable=False),
    Column("facility_id", String(64), nullable=False),
    Column("source", String(16), nullable=False),
    Column("item", String(64), nullable=False),
    Column("quantity", Text, nullable=False),
    Column("unit", String(16), nullable=False),
    Column("ncv", Text, nullable=True),
    Column("cc", Text, nullable=True),
    Column("of", Text, nullable=True),
    Column("ef", Text, nullable=True),
    Column("tco2", Text, nullable=False),
    Column("counted", Boolean, nullable=False),
    Column("factors", Text, nullable=False),  # JSON: name -> decimal text
    Column("measured", Text, nullable=False),  # JSON: names of the measured overrides
    Column("factor_version", String(100), nullable=False),
    PrimaryKeyConstraint("report_id", "row"),
)

mrv_adjustments = Table(
    "mrv_adjustments",
    metadata,
    Column("report_id", String(100), ForeignKey("mrv_reports.id"), nullable=False),
    Column("n", Integer, nullable=False),
    Column("row", Integer, nullable=False),
    Column("field", String(16), nullable=False),
    Column("original", Text, nullable=True),
    Column("adjusted", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("at", String(32), nullable=False),
    PrimaryKeyConstraint("report_id", "n"),
)

mrv_transitions = Table(
    "mrv_transitions",
    metadata,
    Column("report_id", String(100), ForeignKey("mrv_reports.id"), nullable=False),
    Column("n", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("from_status", String(16), nullable=True),
    Column("to_status", String(16), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("at", String(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("idem_key", String(200), nullable=True),
    Column("fingerprint", String(64), nullable=True),
    PrimaryKeyConstraint("report_id", "n"),
    Index(
        "uq_mrv_transitions_idem_key",
        "idem_key",
        unique=True,
        sqlite_where=text("idem_key IS NOT NULL"),
        postgresql_where=text("idem_key IS NOT NULL"),
    ),
)

mrv_quality_flags = Table(
    "mrv_quality_flags",
    metadata,
    Column("report_id", String(100), ForeignKey("mrv_reports.id"), nullable=False),
    Column("n", Integer, nullable=False),
    Column("code", String(32), nullable=False),
    Column("facility_id", String(64), nullable=True),
    Column("message", Text, nullable=False),
    PrimaryKeyConstraint("report_id", "n"),
)

# --- offsets (migration 0003) -----------------------------------------------------------------

offset_projects = Table(
    "offset_projects",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", String(64), ForeignKey("accounts.id"), nullable=False),
    Column("scheme", String(8), nullable=False),
    Column("project_type", String(32), nullable=False),
    Column("methodology", String(32), nullable=False),
    Column("province", String(100), nullable=False),
    Column("city", String(100), nullable=False),
    Column("county", String(100), nullable=False),
    Column("tags", String(100), nullable=False),  # comma-separated area tags
    Column("crediting_start", Integer, nullable=True),
    Column("crediting_end", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    Column("created_at", String(32), nullable=False),
    Index(None, "city"),
    Index(None, "account_id"),
)

offset_reports = Table(
    "offset_reports",
    metadata,
    Column("id", String(100), primary_key=True),  # <project>-MR<n>
    Column("project_id", String(64), ForeignKey("offset_projects.id"), nullable=False),
    Column("period_start", String(10), nullable=False),
    Column("period_end", String(10), nullable=False),
    Column("year", Integer, nullable=False),
    Column("inputs", Text, nullable=False),
    Column("claimed", BigInteger, nullable=False),
    Column("computed", BigInteger, nullable=False),
    Column("exact", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("submitted_by", String(64), nullable=False),
    Column("verified_by", String(64), nullable=True),
    Column("approved_by", String(64), nullable=True),
    Column("created_at", String(32), nullable=False),
    Index(None, "project_id"),
)

offset_issuances = Table(
    "offset_issuances",
    metadata,
    Column("project_id", String(64), ForeignKey("offset_projects.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("instrument", String(16), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("entry_seq", SEQ, ForeignKey("journal.seq"), nullable=False),
    Column("serial_start", BigInteger, nullable=False),
    Column("serial_end", BigInteger, nullable=False),
    Column("provenance", Text, nullable=False),
    Column("issued_at", String(32), nullable=False),
    Column("idem_key", String(200), nullable=True),
    PrimaryKeyConstraint("project_id", "year"),
    Index(None, "instrument", "serial_start"),
)

offset_sales = Table(
    "offset_sales",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("project_id", String(64), ForeignKey("offset_projects.id"), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("price_fen", BigInteger, nullable=False),
    Column("income_fen", BigInteger, nullable=False),
    Column("buyer", String(200), nullable=False),
    Column("sale_date", String(10), nullable=False),
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", String(32), nullable=False),
    Index(None, "project_id"),
)

offset_certificates = Table(
    "offset_certificates",
    metadata,
    Column("id", String(32), primary_key=True),  # RC-2025-000001
    Column("year", Integer, nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("instrument", String(16), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("beneficiary", String(200), nullable=False),
    Column("purpose", String(500), nullable=False),
    Column("entry_seq", SEQ, ForeignKey("journal.seq"), nullable=False, unique=True),
    Column("blocks", Text, nullable=False),  # JSON [[start, end, project, vintage], ...]
    Column("retired_at", String(32), nullable=False),
)


# --- allocation and compliance (migration 0004) -------------------------------------------------

allocation_rounds = Table(
    "allocation_rounds",
    metadata,
    Column("jurisdiction", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("phase", String(16), nullable=False),  # pre | true_up
    Column("cap", BigInteger, nullable=False),
    Column("free_total", BigInteger, nullable=False),
    Column("reserve_total", BigInteger, nullable=False),
    Column("reserve_entry_seq", SEQ, ForeignKey("journal.seq"), nullable=True),
    Column("actor", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    PrimaryKeyConstraint("jurisdiction", "year", "phase"),
)

allocation_lines = Table(
    "allocation_lines",
    metadata,
    Column("year", Integer, nullable=False),
    Column("entity_id", String(64), ForeignKey("mrv_entities.id"), nullable=False),
    Column("phase", String(16), nullable=False),  # pre | true_up | entrant | closure
    Column("jurisdiction", String(16), nullable=False),
    Column("sector", String(32), nullable=False),
    Column("method", String(32), nullable=False),
    Column("inputs", Text, nullable=False),  # JSON: the figures the method used
    Column("exact", Text, nullable=False),  # the method's exact result, tCO2
    Column("entitlement", BigInteger, nullable=False),
    Column("allocated", BigInteger, nullable=False),  # after the cap (free + reserve)
    Column("free", BigInteger, nullable=False),
    Column("reserve", BigInteger, nullable=False),
    Column("deducted", BigInteger, nullable=False),  # earlier years' deductions applied
    Column("issued", BigInteger, nullable=False),  # > 0 issued, < 0 taken back
    Column("owed", BigInteger, nullable=False),  # could not be taken back: deducted later
    Column("entry_seq", SEQ, ForeignKey("journal.seq"), nullable=True),
    Column("at", String(32), nullable=False),
    PrimaryKeyConstraint("year", "entity_id", "phase"),
    Index(None, "jurisdiction", "year"),
)

deductions = Table(
    "deductions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_id", String(64), ForeignKey("mrv_entities.id"), nullable=False),
    Column("origin", String(16), nullable=False),  # penalty | true_up | closure
    Column("origin_year", Integer, nullable=False),
    Column("tonnes", BigInteger, nullable=False),  # owed
    Column("deducted", BigInteger, nullable=False),  # taken off free allocations so far
    Column("created_at", String(32), nullable=False),
    Index(None, "entity_id"),
)

surrenders = Table(
    "surrenders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_id", String(64), ForeignKey("mrv_entities.id"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("entry_seq", SEQ, ForeignKey("journal.seq"), nullable=False, unique=True),
    Column("idem_key", String(200), nullable=True, unique=True),
    Column("fingerprint", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Index(None, "year", "entity_id"),
)

surrender_lines = Table(
    "surrender_lines",
    metadata,
    Column("surrender_id", Integer, ForeignKey("surrenders.id"), nullable=False),
    Column("n", Integer, nullable=False),
    Column("instrument", String(16), nullable=False),
    Column("quantity", BigInteger, nullable=False),
    Column("is_offset", Boolean, nullable=False),
    Column("project_id", String(64), nullable=True),  # offsets: the credits' project
    Column("project_type", String(32), nullable=True),
    Column("province", String(100), nullable=True),
    PrimaryKeyConstraint("surrender_id", "n"),
)

penalties = Table(
    "penalties",
    metadata,
    Column("year", Integer, nullable=False),
    Column("entity_id", String(64), ForeignKey("mrv_entities.id"), nullable=False),
    Column("jurisdiction", String(16), nullable=False),
    Column("verified", BigInteger, nullable=False),
    Column("surrendered", BigInteger, nullable=False),
    Column("shortfall", BigInteger, nullable=False),
    Column("deduction_next_year", BigInteger, nullable=False),
    Column("fine_fen", BigInteger, nullable=False),
    Column("price_fen", Text, nullable=True),  # the price per tonne the fine used
    Column("multiple", Text, nullable=True),
    Column("at", String(32), nullable=False),
    PrimaryKeyConstraint("year", "entity_id"),
)

closed_years = Table(
    "closed_years",
    metadata,
    Column("jurisdiction", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    PrimaryKeyConstraint("jurisdiction", "year"),
)

deadline_extensions = Table(
    "deadline_extensions",
    metadata,
    Column("jurisdiction", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("deadline", String(16), nullable=False),  # report | verification | ... | surrender
    Column("until", String(10), nullable=False),  # the new date, ISO
    Column("reason", Text, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    PrimaryKeyConstraint("jurisdiction", "year", "deadline"),
)


# Later capabilities keep their tables in their own modules, on the same metadata.
from openets.db import (  # noqa: E402
    tables_auction,
    tables_exchange,
    tables_finance,
    tables_labels,
    tables_peak,
)

__all__ = [
    "metadata",
    "tables_auction",
    "tables_exchange",
    "tables_finance",
    "tables_labels",
    "tables_peak",
]
