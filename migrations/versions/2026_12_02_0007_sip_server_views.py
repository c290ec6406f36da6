"""sip server views: what Kamailio, OpenSIPS and Asterisk read (issue 12)

The view definitions live in carrierdesk.sipauth.server_views; env.py drops them before every
migration run and makes them again after it, so later migrations may alter the columns they use.

Revision ID: 0007_sip_views
Revises: 0002, 0006_outbox_masked
Create Date: 2026-12-02 04:00:00
"""

from collections.abc import Sequence

from alembic import op

from carrierdesk.sipauth import server_views

revision: str = "0007_sip_views"
down_revision: str | Sequence[str] | None = ("0002", "0006_outbox_masked")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    server_views.create_views(op.get_bind())
    op.get_bind().info[server_views.MADE] = True


def downgrade() -> None:
    server_views.drop_views(op.get_bind())
    op.get_bind().info[server_views.REMOVED] = True
