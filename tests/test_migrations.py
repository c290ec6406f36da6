"""The migrations build exactly the schema the models describe (the tests' databases are built
by the migrations, so this is what keeps the models honest)."""

from __future__ import annotations

import re
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from carrierdesk.db import get_engine
from carrierdesk.models import Base

# On SQLite the CDR table is laid out for speed on purpose (docs/decisions.md, "CDR storage"):
# times as numbers, call_id unique on the table itself instead of a cdr_keys table.
SQLITE_CDR_LAYOUT = {"cdrs", "cdr_keys"}
MONTHLY_PARTITION = re.compile(r"cdrs_\d{4}_\d{2}")


def differences(url: str) -> list[Any]:
    with get_engine(url).connect() as conn:
        return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))


def table_of(difference: Any) -> str:
    change = difference[0] if isinstance(difference, list) else difference
    if change[0] in ("add_table", "remove_table"):
        return str(change[1].name)
    if change[0] in ("add_index", "remove_index"):
        return str(change[1].table.name)
    return str(change[2])


def test_migrated_schema_matches_the_models(db_url: str) -> None:
    # Monthly CDR partitions are created at run time by earlier tests: not part of the schema.
    found = [d for d in differences(db_url) if not MONTHLY_PARTITION.fullmatch(table_of(d))]
    if db_url.startswith("sqlite"):
        found = [d for d in found if table_of(d) not in SQLITE_CDR_LAYOUT]
    assert found == []
