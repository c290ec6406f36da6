"""numbering: internal number blocks, extensions, SIP users, IP auth, conference rooms

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Blocks are non-overlapping in the database itself, not only in the service.
# Blocks never overlap, so the block with the greatest start <= NEW."end" is the only one
# that can overlap NEW: one index seek per write.
_SQLITE_GUARD = """
CREATE TRIGGER number_blocks_no_overlap_{event} BEFORE {event} ON number_blocks
WHEN EXISTS (
    SELECT 1 FROM (
        SELECT id, "end" FROM number_blocks WHERE start <= NEW."end" {exclude}
        ORDER BY start DESC LIMIT 1
    ) AS previous WHERE previous."end" >= NEW.start
)
BEGIN SELECT RAISE(ABORT, 'number block overlaps another block'); END
"""


def _no_overlapping_blocks() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE number_blocks ADD CONSTRAINT ex_number_blocks_no_overlap "
            "EXCLUDE USING gist (int8range(start, \"end\", '[]') WITH &&)"
        )
        return
    op.execute(_SQLITE_GUARD.format(event="INSERT", exclude=""))
    op.execute(_SQLITE_GUARD.format(event="UPDATE", exclude="AND id <> NEW.id"))


def _drop_overlap_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE number_blocks DROP CONSTRAINT ex_number_blocks_no_overlap")
        return
    op.execute("DROP TRIGGER IF EXISTS number_blocks_no_overlap_INSERT")
    op.execute("DROP TRIGGER IF EXISTS number_blocks_no_overlap_UPDATE")


def upgrade() -> None:
    op.create_table(
        "extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("name_key", sa.String(length=32), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_extensions_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extensions")),
        sa.UniqueConstraint("name_key", name=op.f("uq_extensions_name_key")),
        sa.UniqueConstraint("number", name=op.f("uq_extensions_number")),
    )
    with op.batch_alter_table("extensions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_extensions_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "ip_auth",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(length=50), nullable=False),
        sa.Column("ip_version", sa.Integer(), nullable=False),
        sa.Column("range_first", sa.String(length=32), nullable=False),
        sa.Column("range_last", sa.String(length=32), nullable=False),
        sa.Column("receives_calls", sa.Boolean(), nullable=False),
        sa.Column("sends_calls", sa.Boolean(), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=True),
        sa.Column("cps", sa.Integer(), nullable=True),
        sa.Column("protocol", sa.String(length=3), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("tech_prefix", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_ip_auth_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ip_auth")),
    )
    with op.batch_alter_table("ip_auth", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ip_auth_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(
            "ix_ip_auth_range", ["ip_version", "range_first", "range_last"], unique=False
        )

    op.create_table(
        "number_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.BigInteger(), nullable=False),
        sa.Column("end", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('"end" >= start', name=op.f("ck_number_blocks_end_after_start")),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_number_blocks_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_blocks")),
        sa.UniqueConstraint("start", name=op.f("uq_number_blocks_start")),
    )
    with op.batch_alter_table("number_blocks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_number_blocks_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "conference_rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("extension_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("pin", sa.String(length=12), nullable=True),
        sa.Column("moderator_pin", sa.String(length=12), nullable=True),
        sa.Column("quality", sa.String(length=12), nullable=False),
        sa.Column("max_members", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_conference_rooms_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["extension_id"],
            ["extensions.id"],
            name=op.f("fk_conference_rooms_extension_id_extensions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conference_rooms")),
        sa.UniqueConstraint("extension_id", name=op.f("uq_conference_rooms_extension_id")),
    )
    with op.batch_alter_table("conference_rooms", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_conference_rooms_customer_id"), ["customer_id"], unique=False
        )

    op.create_table(
        "sip_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("extension_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("ha1", sa.String(length=32), nullable=False),
        sa.Column("ha1b", sa.String(length=32), nullable=False),
        sa.Column("realm", sa.String(length=200), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=True),
        sa.Column("cps", sa.Integer(), nullable=True),
        sa.Column("protocol", sa.String(length=3), nullable=False),
        sa.Column(
            "ip_whitelist",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_sip_users_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["extension_id"], ["extensions.id"], name=op.f("fk_sip_users_extension_id_extensions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sip_users")),
        sa.UniqueConstraint("extension_id", name=op.f("uq_sip_users_extension_id")),
        sa.UniqueConstraint("username", name=op.f("uq_sip_users_username")),
    )
    with op.batch_alter_table("sip_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sip_users_customer_id"), ["customer_id"], unique=False)

    _no_overlapping_blocks()


def downgrade() -> None:
    _drop_overlap_guard()
    with op.batch_alter_table("sip_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sip_users_customer_id"))

    op.drop_table("sip_users")
    with op.batch_alter_table("conference_rooms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conference_rooms_customer_id"))

    op.drop_table("conference_rooms")
    with op.batch_alter_table("number_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_number_blocks_customer_id"))

    op.drop_table("number_blocks")
    with op.batch_alter_table("ip_auth", schema=None) as batch_op:
        batch_op.drop_index("ix_ip_auth_range")
        batch_op.drop_index(batch_op.f("ix_ip_auth_customer_id"))

    op.drop_table("ip_auth")
    with op.batch_alter_table("extensions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_extensions_customer_id"))

    op.drop_table("extensions")
