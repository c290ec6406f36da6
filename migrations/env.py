"""Alembic environment: the URL comes from the caller (carrierdesk migrate) or the settings."""

from alembic import context

from carrierdesk.config import get_settings
from carrierdesk.db import make_engine
from carrierdesk.models import Base
from carrierdesk.sipauth import server_views

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction(), server_views.suspended(connection):
        context.run_migrations()


run_migrations_online()
