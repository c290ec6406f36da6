"""kamailio_cdrs: calls as the Kamailio of `sip kamailio-config` writes them (issue 13)

Revision ID: 0010_kamailio_cdrs
Revises: 0009_rated_cdrs
Create Date: 2026-12-02 04:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_kamailio_cdrs"
down_revision: str | Sequence[str] | None = "0009_rated_cdrs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kamailio_cdrs",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("call_id", sa.String(length=255), nullable=False),
        sa.Column("invite_at", sa.Numeric(precision=17, scale=6), nullable=False),
        sa.Column("answer_at", sa.Numeric(precision=17, scale=6), nullable=True),
        sa.Column("end_at", sa.Numeric(precision=17, scale=6), nullable=False),
        sa.Column("sip_code", sa.SmallInteger(), nullable=False),
        sa.Column("sip_reason", sa.String(length=100), nullable=True),
        sa.Column("caller", sa.String(length=64), nullable=True),
        sa.Column("callee", sa.String(length=64), nullable=False),
        sa.Column("sip_user", sa.String(length=100), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("ip_auth_id", sa.Integer(), nullable=True),
        sa.Column("rejected", sa.String(length=1000), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kamailio_cdrs")),
    )


def downgrade() -> None:
    op.drop_table("kamailio_cdrs")
