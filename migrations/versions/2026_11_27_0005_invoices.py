"""invoices: invoices and their lines, the gapless invoice counter, auto-generation state

Revision ID: 0005
Revises: 0003, 0004
Create Date: 2026-11-27 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = ("0003", "0004")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(18, 6).with_variant(sa.BigInteger(), "sqlite")
OPEN = sa.text("status != 'void'")


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("timeframe", sa.String(10), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("line_grouping", sa.String(12), nullable=False),
        sa.Column("tax_name", sa.String(40), nullable=False),
        *(
            sa.Column(name, MONEY, nullable=False)
            for name in ("tax_rate", "subtotal", "tax", "total", "summary_charge")
        ),
        sa.Column("summary_connected", sa.Integer(), nullable=False),
        sa.Column("summary_billed_duration", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("period_end > period_start", name=op.f("ck_invoices_period")),
        sa.CheckConstraint("status IN ('issued', 'paid', 'void')", name=op.f("ck_invoices_status")),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_invoices_customer_id_customers"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
        sa.UniqueConstraint("sequence", name=op.f("uq_invoices_sequence")),
    )
    op.create_index(
        "uq_invoices_open_period",
        "invoices",
        ["customer_id", "period_start", "period_end"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index("ix_invoices_customer_period", "invoices", ["customer_id", "period_start"])
    op.create_index(op.f("ix_invoices_invoice_date"), "invoices", ["invoice_date"])
    op.create_index(op.f("ix_invoices_status"), "invoices", ["status"])
    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("billed_seconds", sa.Integer(), nullable=False),
        sa.Column("billed_minutes", MONEY, nullable=False),
        sa.Column("net", MONEY, nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_invoice_lines_invoice_id_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    op.create_index(op.f("ix_invoice_lines_invoice_id"), "invoice_lines", ["invoice_id"])
    op.create_table(
        "invoice_counters",
        sa.Column("name", sa.String(20), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_invoice_counters")),
    )
    op.create_table(
        "invoice_schedule_checks",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(10), nullable=False),
        sa.Column("checked_through", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_invoice_schedule_checks_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_invoice_schedule_checks")),
    )
    op.create_table(
        "invoice_auto_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("summary_refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_auto_state")),
    )


def downgrade() -> None:
    op.drop_table("invoice_auto_state")
    op.drop_table("invoice_schedule_checks")
    op.drop_table("invoice_counters")
    op.drop_index(op.f("ix_invoice_lines_invoice_id"), table_name="invoice_lines")
    op.drop_table("invoice_lines")
    op.drop_index(op.f("ix_invoices_status"), table_name="invoices")
    op.drop_index(op.f("ix_invoices_invoice_date"), table_name="invoices")
    op.drop_index("ix_invoices_customer_period", table_name="invoices")
    op.drop_index("uq_invoices_open_period", table_name="invoices")
    op.drop_table("invoices")
