"""cdrs.rated: which CDRs carrierdesk rated itself (issue 13)

Revision ID: 0009_rated_cdrs
Revises: 0007_sip_views
Create Date: 2026-12-02 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_rated_cdrs"
down_revision: str | Sequence[str] | None = "0007_sip_views"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # On PostgreSQL the column reaches every monthly partition; on SQLite a plain ADD COLUMN
    # keeps the table's WITHOUT ROWID layout (a batch copy would not).
    op.add_column("cdrs", sa.Column("rated", sa.SmallInteger(), server_default="0", nullable=False))


def downgrade() -> None:
    op.drop_column("cdrs", "rated")
