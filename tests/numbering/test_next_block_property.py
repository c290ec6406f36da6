"""The next block, against a brute-force reading of PRODUCT.md §3 over random histories of
assignments, removals and settings changes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from carrierdesk.auth.principals import CLI
from carrierdesk.db import get_sessionmaker
from carrierdesk.models import NumberBlock
from carrierdesk.numbering.service import assign_block, delete_block
from carrierdesk.settings.schemas import OptionsPatch
from carrierdesk.settings.service import update_options
from fixtures.builders import add_customer

Settings = st.tuples(st.just("settings"), st.integers(0, 60), st.integers(1, 25))
Assign = st.tuples(st.just("assign"), st.integers(0, 2), st.just(0))
Delete = st.tuples(st.just("delete"), st.integers(0, 30), st.just(0))
History = st.lists(st.one_of(Settings, Assign, Assign, Delete), min_size=1, max_size=25)


def expected_next(blocks: list[tuple[int, int]], start: int, size: int) -> tuple[int, int]:
    k = 0
    while True:
        first, last = start + k * size, start + (k + 1) * size - 1
        if all(last < a or first > b for a, b in blocks):
            return first, last
        k += 1


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(history=History)
def test_next_block_matches_the_definition(
    db_url: str, history: list[tuple[str, int, int]]
) -> None:
    session = get_sessionmaker(db_url)()
    try:
        customers = [add_customer(session, f"C{i}").id for i in range(3)]
        session.execute(delete(NumberBlock))
        update_options(session, CLI, OptionsPatch(number_range_start=10, block_size=10))
        start, size = 10, 10
        for op, a, b in history:
            blocks = session.scalars(select(NumberBlock).order_by(NumberBlock.start)).all()
            if op == "settings":
                update_options(session, CLI, OptionsPatch(number_range_start=a, block_size=b))
                start, size = a, b
            elif op == "assign":
                want = expected_next([(x.start, x.end) for x in blocks], start, size)
                got = assign_block(session, CLI, customers[a])
                assert (got.start, got.end) == want
            elif blocks:
                delete_block(session, CLI, blocks[a % len(blocks)].id)
    finally:
        session.rollback()
        session.close()
