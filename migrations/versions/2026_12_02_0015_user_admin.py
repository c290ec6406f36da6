"""customer references unique whatever their case (issue 14)

Revision ID: 0015_user_admin
Revises: 0014_operators_day
Create Date: 2026-12-02 07:00:00

- uq_customers_reference_lower: a unique index on lower(reference), so "acme-001" and
  "ACME-001" can no longer both exist. The old case-sensitive unique constraint stays (it is
  implied by the new one; dropping it would make SQLite copy `customers`, which every other
  table refers to).
- References that already differ only by case: the customer created first keeps its
  reference; each later one gets "~<its id>" appended (cut to fit 100 characters), and the
  audit log says so, so that an operator can choose better ones.

Settings › Users needs no schema change: users.enabled exists, a password set by an admin
replaces password_hash, and sessions and one-time tokens go with a deleted user (ON DELETE
CASCADE).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from carrierdesk.models.base import JSONType, UTCDateTime

revision: str = "0015_user_admin"
down_revision: str | Sequence[str] | None = "0014_operators_day"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFERENCE_LENGTH = 100


def upgrade() -> None:
    _rename_references_differing_only_by_case()
    op.create_index(
        "uq_customers_reference_lower",
        "customers",
        [sa.text("lower(reference)")],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_customers_reference_lower", table_name="customers")


def _rename_references_differing_only_by_case() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT id, reference FROM customers WHERE reference IS NOT NULL AND lower(reference)"
            " IN (SELECT lower(reference) FROM customers WHERE reference IS NOT NULL"
            " GROUP BY lower(reference) HAVING count(*) > 1) ORDER BY id"
        )
    ).all()
    kept: set[str] = set()
    taken = {str(r) for r in conn.scalars(sa.text("SELECT reference FROM customers")) if r}
    for customer_id, reference in rows:
        key = reference.lower()
        if key not in kept:
            kept.add(key)  # the first customer keeps it
            continue
        suffix = f"~{customer_id}"
        renamed = reference[: REFERENCE_LENGTH - len(suffix)] + suffix
        assert renamed.lower() not in {t.lower() for t in taken}, renamed
        taken.add(renamed)
        conn.execute(
            sa.text("UPDATE customers SET reference = :new WHERE id = :id"),
            {"new": renamed, "id": customer_id},
        )
        _audit_rename(conn, customer_id, reference, renamed)


def _audit_rename(conn: sa.Connection, customer_id: int, old: str, new: str) -> None:
    audit = sa.table(
        "audit_log",
        sa.column("at", UTCDateTime()),
        sa.column("actor_kind", sa.String()),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("table_name", sa.String()),
        sa.column("record_id", sa.Integer()),
        sa.column("customer_id", sa.Integer()),
        sa.column("message", sa.Text()),
        sa.column("changes", JSONType),
    )
    conn.execute(
        audit.insert().values(
            at=datetime.now(UTC),
            actor_kind="system",
            actor="migration 0015",
            action="update",
            table_name="customers",
            record_id=customer_id,
            customer_id=customer_id,
            message=f"Reference {old} renamed to {new}: references are now unique whatever "
            "their case, and another customer had it first",
            changes={"reference": [old, new]},
        )
    )
