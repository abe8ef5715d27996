"""Carbon labels, enterprise evaluations and allowance pledges.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # --- carbon labels and enterprise evaluations -------------------------------------------
    op.create_table(
        "label_keys",
        sa.Column("key_id", sa.String(16), nullable=False),
        sa.Column("private_pem", sa.Text, nullable=False),
        sa.Column("public_pem", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name="pk_label_keys"),
    )
    op.create_table(
        "label_certificates",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("scheme", sa.String(48), nullable=False),
        sa.Column("product", sa.String(200), nullable=False),
        sa.Column("company", sa.String(200), nullable=False),
        sa.Column("per_unit_kgco2e", sa.Text, nullable=False),
        sa.Column("valid_until", sa.String(10), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("footprint", sa.Text, nullable=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("idem_key", sa.String(200), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=True),
        sa.Column("revoked_at", sa.String(32), nullable=True),
        sa.Column("revoked_by", sa.String(64), nullable=True),
        sa.Column("revoked_reason", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_label_certificates"),
        sa.UniqueConstraint("idem_key", name="uq_label_certificates_idem_key"),
    )
    op.create_index("ix_label_certificates_company", "label_certificates", ["company"])
    op.create_table(
        "label_evaluations",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("enterprise", sa.String(200), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=True),
        sa.Column("config_version", sa.String(64), nullable=False),
        sa.Column("grade", sa.String(16), nullable=False),
        sa.Column("score", sa.Text, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_label_evaluations"),
    )
    op.create_index("ix_label_evaluations_enterprise", "label_evaluations", ["enterprise"])


def downgrade() -> None:
    for table in ("label_evaluations", "label_certificates", "label_keys"):
        op.drop_table(table)
