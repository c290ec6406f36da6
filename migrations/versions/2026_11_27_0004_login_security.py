"""login security: failed-login throttle, one-time tokens, TOTP and impersonation columns

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-27 14:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TOTP_COLUMNS = ("totp_pending", "totp_last_step", "recovery_codes")


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "one_time_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("data", JSON, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            ondelete="CASCADE",
            name=op.f("fk_one_time_tokens_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            ondelete="CASCADE",
            name=op.f("fk_one_time_tokens_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_one_time_tokens")),
    )
    with op.batch_alter_table("one_time_tokens") as batch:
        batch.create_index(batch.f("ix_one_time_tokens_token_hash"), ["token_hash"])
        batch.create_index(batch.f("ix_one_time_tokens_contact_id"), ["contact_id"])
    for table in ("users", "contacts"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("totp_pending", sa.String(length=64), nullable=True))
            batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
            batch.add_column(sa.Column("recovery_codes", JSON, nullable=False, server_default="[]"))
    with op.batch_alter_table("auth_sessions") as batch:
        batch.add_column(sa.Column("impersonator_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_auth_sessions_impersonator_id_users"),
            "users",
            ["impersonator_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("auth_sessions") as batch:
        batch.drop_constraint(batch.f("fk_auth_sessions_impersonator_id_users"))
        batch.drop_column("impersonator_id")
    for table in ("users", "contacts"):
        with op.batch_alter_table(table) as batch:
            for column in TOTP_COLUMNS:
                batch.drop_column(column)
    op.drop_table("one_time_tokens")
    op.drop_table("login_throttle")
