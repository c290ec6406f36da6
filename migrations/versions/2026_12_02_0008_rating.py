"""rating: rate cards, their rates (decks), providers, customers.rate_card_id, the rating
version counter (issue 13)

On SQLite, customers.rate_card_id is added with a plain ALTER TABLE ADD COLUMN … REFERENCES, not
by batch mode's copy of the table: that would drop `customers`, which every other table refers
to, and SQLite refuses that with foreign keys on and data present.

Revision ID: 0008_rating
Revises: 0007_sip_views
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_rating"
down_revision: str | Sequence[str] | None = "0007_sip_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(18, 6).with_variant(sa.BigInteger(), "sqlite")
BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "rate_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_cards")),
        sa.UniqueConstraint("name_key", name=op.f("uq_rate_cards_name_key")),
    )
    op.create_table(
        "rates",
        sa.Column("id", BIGINT, nullable=False),
        sa.Column("rate_card_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("destination", sa.String(length=100), nullable=False),
        sa.Column("rate", MONEY, nullable=False),
        sa.Column("connection_fee", MONEY, nullable=False),
        sa.Column("initial_increment", sa.Integer(), nullable=False),
        sa.Column("next_increment", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rate >= 0", name=op.f("ck_rates_rate")),
        sa.CheckConstraint("connection_fee >= 0", name=op.f("ck_rates_connection_fee")),
        sa.CheckConstraint(
            "initial_increment BETWEEN 0 AND 3600", name=op.f("ck_rates_initial_increment")
        ),
        sa.CheckConstraint(
            "next_increment BETWEEN 1 AND 3600", name=op.f("ck_rates_next_increment")
        ),
        sa.ForeignKeyConstraint(
            ["rate_card_id"],
            ["rate_cards.id"],
            name=op.f("fk_rates_rate_card_id_rate_cards"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rates")),
        sa.UniqueConstraint(
            "rate_card_id", "prefix", "effective_from", name=op.f("uq_rates_rate_card_id")
        ),
    )
    op.create_table(
        "providers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("name_key", sa.String(length=100), nullable=False),
        sa.Column("rate_card_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rate_card_id"], ["rate_cards.id"], name=op.f("fk_providers_rate_card_id_rate_cards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_providers")),
        sa.UniqueConstraint("name_key", name=op.f("uq_providers_name_key")),
    )
    op.create_table(
        "rating_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_version")),
    )
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_providers_rate_card_id"), ["rate_card_id"], unique=False
        )

    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE customers ADD COLUMN rate_card_id INTEGER REFERENCES rate_cards (id)"
        )
    else:
        op.add_column("customers", sa.Column("rate_card_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_customers_rate_card_id_rate_cards"),
            "customers",
            "rate_cards",
            ["rate_card_id"],
            ["id"],
        )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customers_rate_card_id"), ["rate_card_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customers_rate_card_id"))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite ≥ 3.35 drops a column that no index or constraint of the table needs.
        op.execute("ALTER TABLE customers DROP COLUMN rate_card_id")
    else:
        op.drop_constraint(
            op.f("fk_customers_rate_card_id_rate_cards"), "customers", type_="foreignkey"
        )
        op.drop_column("customers", "rate_card_id")
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_providers_rate_card_id"))
    op.drop_table("rating_version")
    op.drop_table("providers")
    op.drop_table("rates")
    op.drop_table("rate_cards")
