"""Tables of carbon labels, enterprise evaluation and allowance pledges
(on the shared :data:`openets.db.schema.metadata`).

Label certificates keep their signed JSON document as issued (``document``) and the footprint
it was computed from (``footprint``); revocation is recorded on the row, never by deleting it.
The registry's Ed25519 signing key is created once and kept in ``label_keys`` (PEM, PKCS#8):
whoever can read the database can sign labels, so the database is guarded like the registry's
journal (see docs/labels.md).
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, String, Table, Text

from openets.db.schema import metadata

__all__ = ["label_certificates", "label_evaluations", "label_keys", "metadata"]

# --- carbon labels (migration 0007) ---------------------------------------------------------

label_keys = Table(
    "label_keys",
    metadata,
    Column("key_id", String(16), primary_key=True),  # sha256(raw public key)[:16], hex
    Column("private_pem", Text, nullable=False),  # PKCS#8 PEM, unencrypted
    Column("public_pem", Text, nullable=False),  # SubjectPublicKeyInfo PEM
    Column("created_at", String(32), nullable=False),
)

label_certificates = Table(
    "label_certificates",
    metadata,
    Column("id", String(64), primary_key=True),  # GDCL-2025-000001, or HK-<number> imported
    Column("origin", String(16), nullable=False),  # issued | imported
    Column("scheme", String(48), nullable=False),
    Column("product", String(200), nullable=False),
    Column("company", String(200), nullable=False),
    Column("per_unit_kgco2e", Text, nullable=False),
    Column("valid_until", String(10), nullable=False),  # ISO date
    Column("document", Text, nullable=False),  # JSON: the signed certificate or foreign document
    Column("footprint", Text, nullable=True),  # JSON: the footprint view (issued only)
    Column("actor", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Column("idem_key", String(200), nullable=True, unique=True),
    Column("fingerprint", String(64), nullable=True),
    Column("revoked_at", String(32), nullable=True),
    Column("revoked_by", String(64), nullable=True),
    Column("revoked_reason", Text, nullable=True),
    Index(None, "company"),
)

# --- near-zero (low) carbon enterprise evaluation (migration 0007) --------------------------

label_evaluations = Table(
    "label_evaluations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("enterprise", String(200), nullable=False),
    Column("entity_id", String(64), nullable=True),  # the MRV entity it was fed from, if any
    Column("config_version", String(64), nullable=False),
    Column("grade", String(16), nullable=False),
    Column("score", Text, nullable=False),
    Column("document", Text, nullable=False),  # JSON: the evaluation view
    Column("actor", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Index(None, "enterprise"),
)
