"""invoice payments (date, reference), invoice email setting (issue 14)

Revision ID: 0014_operators_day
Revises: 0013_einvoicing
Create Date: 2026-12-02 07:00:00

- invoices.paid_on, invoices.payment_reference: what Mark paid records beside paid_at (when it
  was marked)
- customers.email_invoices: whether an issued invoice is emailed to the billing contacts
  (default on). On SQLite it is added with a plain ALTER TABLE ADD COLUMN, not by batch mode's
  copy of the table: that would drop `customers`, which every other table refers to.
- outbox.invoice_id: the invoice whose PDF the message carries, rendered at delivery
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_operators_day"
down_revision: str | Sequence[str] | None = "0013_einvoicing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paid_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("payment_reference", sa.String(length=100), nullable=True))
    op.add_column(
        "customers",
        sa.Column("email_invoices", sa.Boolean(), server_default=sa.true(), nullable=False),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invoice_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("invoice_id")
    _drop_column("customers", "email_invoices")
    _drop_column("invoices", "payment_reference")
    _drop_column("invoices", "paid_on")


def _drop_column(table: str, column: str) -> None:
    """SQLite ≥ 3.35 drops a column that no index or constraint needs in place; batch mode's
    copy would drop the table, which other tables refer to."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)
