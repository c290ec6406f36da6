"""outbox: the masked copy of a message that holds a secret (issue 9, gap 2)

Messages stored before this revision that still hold their secrets (not yet delivered) get a
masked copy here, made from the secret values stored with them.

Revision ID: 0006_outbox_masked
Revises: 0005
Create Date: 2026-11-28 10:00:00
"""

import html
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, quote_plus

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_outbox_masked"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
MASK = "••••••••"


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        forms = {
            secret,
            html.escape(secret),
            html.escape(secret, quote=False),
            quote(secret),
            quote(secret, safe=""),
            quote_plus(secret),
        }
        for form in sorted(forms, key=len, reverse=True):
            text = text.replace(form, MASK)
    return text


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("masked", JSON, nullable=True))
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer()),
        sa.column("subject", sa.String()),
        sa.column("body", sa.Text()),
        sa.column("body_html", sa.Text()),
        sa.column("secrets", JSON),
        sa.column("status", sa.String()),
        sa.column("masked", JSON),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(
            outbox.c.id, outbox.c.subject, outbox.c.body, outbox.c.body_html, outbox.c.secrets
        ).where(outbox.c.status != "sent")
    ).all()
    for row in rows:
        secrets: list[Any] = [s for s in row.secrets or [] if isinstance(s, str) and s]
        if not secrets:
            continue
        masked = {
            "subject": _scrub(row.subject, secrets),
            "body": _scrub(row.body, secrets),
            "body_html": None if row.body_html is None else _scrub(row.body_html, secrets),
        }
        if (masked["subject"], masked["body"], masked["body_html"]) != (
            row.subject,
            row.body,
            row.body_html,
        ):
            conn.execute(outbox.update().where(outbox.c.id == row.id).values(masked=masked))


def downgrade() -> None:
    # The delivered copy (subject, body, body_html) is untouched by upgrade: only the masked
    # copy goes.
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("masked")
