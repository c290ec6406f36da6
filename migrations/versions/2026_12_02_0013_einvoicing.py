"""seller and buyer details, tax category for EN 16931 e-invoices (issue 15)

The seller's details are options (Settings › Invoicing, the options table): no column. Customers
get their buyer details and tax category; invoices get what they were issued with (tax category,
its exemption reason, the seller's and the buyer's details), so a later edit of either never
changes an issued invoice or its e-invoice.

Columns are added and dropped with plain ALTER TABLE on both databases: on SQLite, batch mode's
copy would drop `customers` and `invoices`, which other tables refer to (as in 0008_rating).

Revision ID: 0013_einvoicing
Revises: 0012_webhooks
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013_einvoicing"
down_revision: str | Sequence[str] | None = "0012_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


CUSTOMER_COLUMNS = (
    ("legal_name", sa.String(200)),
    ("address_line1", sa.String(200)),
    ("address_line2", sa.String(200)),
    ("city", sa.String(100)),
    ("postcode", sa.String(20)),
    ("country", sa.String(2)),
    ("vat_id", sa.String(20)),
    ("invoice_email", sa.String(320)),
    ("tax_exemption_reason", sa.String(200)),
)


def upgrade() -> None:
    for name, type_ in CUSTOMER_COLUMNS:
        op.add_column("customers", sa.Column(name, type_, nullable=True))
    op.add_column(
        "customers",
        sa.Column("tax_category", sa.String(20), nullable=False, server_default="standard"),
    )
    op.add_column(
        "invoices",
        sa.Column("tax_category", sa.String(20), nullable=False, server_default="standard"),
    )
    op.add_column("invoices", sa.Column("tax_exemption_reason", sa.String(200), nullable=True))
    op.add_column("invoices", sa.Column("seller", _json(), nullable=True))
    op.add_column("invoices", sa.Column("buyer", _json(), nullable=True))


def downgrade() -> None:
    for column in ("buyer", "seller", "tax_exemption_reason", "tax_category"):
        op.execute(f"ALTER TABLE invoices DROP COLUMN {column}")
    for column in ("tax_category", *(name for name, _ in reversed(CUSTOMER_COLUMNS))):
        op.execute(f"ALTER TABLE customers DROP COLUMN {column}")
