"""cdrs: CDRs (monthly partitions on PostgreSQL), hourly rollups, summary refresh bookkeeping

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-27 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CDR_COLUMNS = """
    customer_id integer NOT NULL,
    start_time timestamptz NOT NULL,
    call_id varchar(128) NOT NULL,
    sip_user varchar(100),
    answer_time timestamptz,
    end_time timestamptz NOT NULL,
    duration integer NOT NULL,
    billed_duration integer NOT NULL,
    caller varchar(64),
    callee varchar(64) NOT NULL,
    dest_code varchar(32),
    dest_name varchar(100),
    sip_code smallint NOT NULL,
    sip_reason varchar(100),
    release_reason varchar(100),
    pdd_ms integer,
    ring_ms integer,
    direction varchar(8) NOT NULL,
    rate numeric(18,6),
    charge numeric(18,6) NOT NULL,
    cost numeric(18,6) NOT NULL
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _cdrs_postgres()
    else:
        _cdrs_sqlite()
    money = sa.Numeric(18, 6).with_variant(sa.BigInteger(), "sqlite")
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "cdr_hourly",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        *(
            sa.Column(name, big, nullable=False)
            for name in (
                "attempts",
                "connected",
                "ner_calls",
                "pdd_sum",
                "pdd_count",
                "duration",
                "billed_duration",
            )
        ),
        sa.Column("charge", money, nullable=False),
        sa.Column("cost", money, nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "hour", name=op.f("pk_cdr_hourly")),
    )
    op.create_table(
        "summary_dirty",
        sa.Column("id", big, autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summary_dirty")),
    )
    op.create_table(
        "summary_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_summary_state")),
    )


def _cdrs_postgres() -> None:
    # Partitions (cdrs_YYYY_MM) are created on demand by carrierdesk.cdrs.storage.
    op.execute(
        f"CREATE TABLE cdrs ({CDR_COLUMNS}, "
        "CONSTRAINT pk_cdrs PRIMARY KEY (customer_id, start_time, call_id)) "
        "PARTITION BY RANGE (start_time)"
    )
    op.create_table(
        "cdr_keys",
        sa.Column("call_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_cdr_keys")),
    )


def _cdrs_sqlite() -> None:
    op.execute(
        f"CREATE TABLE cdrs ({CDR_COLUMNS.replace('numeric(18,6)', 'bigint')}, "
        "CONSTRAINT pk_cdrs PRIMARY KEY (customer_id, start_time, call_id)) WITHOUT ROWID"
    )
    op.create_index("uq_cdrs_call_id", "cdrs", ["call_id"], unique=True)


def downgrade() -> None:
    op.drop_table("summary_state")
    op.drop_table("summary_dirty")
    op.drop_table("cdr_hourly")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_table("cdr_keys")
    op.execute("DROP TABLE cdrs")
