"""cdrs.provider_id: the cost of a CDR rated from its provider's rate card (issue 13)

Revision ID: 0011_cdr_providers
Revises: 0010_kamailio_cdrs
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_cdr_providers"
down_revision: str | Sequence[str] | None = "0010_kamailio_cdrs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # On PostgreSQL the partitions take the column from their parent; no rewrite (nullable).
    op.add_column("cdrs", sa.Column("provider_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("cdrs", "provider_id")
