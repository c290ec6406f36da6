"""Races, run for real: threads with their own connections against PostgreSQL, and the
database constraints that hold even when the service's own checks are bypassed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from carrierdesk.auth.principals import CLI
from carrierdesk.db import transaction
from carrierdesk.errors import Conflict, NotFound
from carrierdesk.models import Extension, NumberBlock
from carrierdesk.numbering.service import assign_block, delete_block
from carrierdesk.settings.schemas import OptionsPatch
from carrierdesk.settings.service import update_options
from carrierdesk.sipauth.schemas import SipUserCreate, SipUserUpdate
from carrierdesk.sipauth.sip_users import create_sip_user, delete_sip_user, update_sip_user
from fixtures.builders import add_customer
from fixtures.races import race


def arrange(url: str, customers: int) -> list[int]:
    with transaction(url) as session:
        update_options(session, CLI, OptionsPatch(number_range_start=1000, block_size=100))
        return [add_customer(session, f"Customer {i}").id for i in range(customers)]


@pytest.mark.postgres_only
def test_twenty_simultaneous_assignments_get_distinct_blocks(pg_url: str) -> None:
    customers = arrange(pg_url, 5)

    def assign(customer_id: int) -> tuple[int, int, int]:
        with transaction(pg_url) as session:
            block = assign_block(session, CLI, customer_id)
            return block.customer_id, block.start, block.end

    results = race([lambda c=customers[i % 5]: assign(c) for i in range(20)])
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    ranges = sorted((r[1], r[2]) for r in results if isinstance(r, tuple))
    assert ranges == [(1000 + k * 100, 1099 + k * 100) for k in range(20)]
    with transaction(pg_url) as session:
        stored = session.execute(select(NumberBlock.customer_id, NumberBlock.start)).all()
    assert len(stored) == 20
    assert sorted(c for c, _ in stored) == sorted(customers * 4)


@pytest.mark.postgres_only
def test_two_simultaneous_creations_of_one_extension_one_wins(pg_url: str) -> None:
    first, second = arrange(pg_url, 2)

    def create(customer_id: int, username: str) -> str:
        with transaction(pg_url) as session:
            create_sip_user(session, CLI, customer_id, SipUserCreate(username=username))
            return "201"

    for round_ in range(10):
        username = f"trunk{round_}"
        jobs = [lambda c=c, u=username: create(c, u) for c in (first, second)]
        results = race(jobs)
        outcomes = sorted(
            "409" if isinstance(r, Conflict) and r.detail == "Duplicate User Detected" else r
            for r in results
        )
        assert outcomes == ["201", "409"], results
    with transaction(pg_url) as session:
        names = session.scalars(select(Extension.name).order_by(Extension.name)).all()
    assert list(names) == [f"trunk{i}" for i in range(10)]


def insert(url: str, row: Any) -> None:
    with transaction(url) as session:
        session.add(row)


def test_the_database_refuses_overlapping_blocks(db_url: str) -> None:
    (customer,) = arrange(db_url, 1)
    insert(db_url, NumberBlock(customer_id=customer, start=1000, end=1099))
    for start, end in [(1050, 1149), (900, 1000), (1099, 1099), (0, 5000), (1010, 1020)]:
        with pytest.raises(IntegrityError):
            insert(db_url, NumberBlock(customer_id=customer, start=start, end=end))
    insert(db_url, NumberBlock(customer_id=customer, start=1100, end=1199))
    insert(db_url, NumberBlock(customer_id=customer, start=0, end=999))


def test_the_database_refuses_duplicate_extensions(db_url: str) -> None:
    first, second = arrange(db_url, 2)
    insert(db_url, Extension(customer_id=first, name="Alice", name_key="alice", kind="sip_user"))
    insert(db_url, Extension(customer_id=first, name="42", name_key="42", number=42, kind="x"))
    duplicates = [
        Extension(customer_id=second, name="ALICE", name_key="alice", kind="sip_user"),
        Extension(customer_id=second, name="042", name_key="042", number=42, kind="sip_user"),
    ]
    for row in duplicates:
        with pytest.raises(IntegrityError):
            insert(db_url, row)


def test_a_duplicate_that_slips_past_the_check_is_still_409(
    operator: Any, acme: int, northwind: int, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the loser of a race sees: the unique constraint answers, inside a savepoint."""
    from carrierdesk.numbering import extensions

    monkeypatch.setattr(extensions, "_check_free", lambda *args, **kwargs: None)
    assert operator.post(f"/customers/{acme}/sip-users", {"username": "Alice"}).is_success
    for customer, name in [(northwind, "alice"), (northwind, "Alice")]:
        response = operator.post(f"/customers/{customer}/sip-users", {"username": name})
        assert response.status_code == 409
        assert response.json()["detail"] == "Duplicate User Detected"
    room = operator.post(f"/customers/{northwind}/conferences", {"name": "R", "extension": "ALICE"})
    assert room.status_code == 409
    with transaction(db_url) as session:
        assert session.scalars(select(Extension.name)).all() == ["Alice"]


@pytest.mark.postgres_only
def test_deleting_a_block_while_an_extension_is_created_in_it(pg_url: str) -> None:
    """Never both: a block removed and an extension left inside its range. The customer keeps
    another block throughout (with none left, any free name would be allowed)."""
    (customer,) = arrange(pg_url, 1)
    with transaction(pg_url) as session:
        assign_block(session, CLI, customer)

    def create(username: str) -> str:
        with transaction(pg_url) as session:
            create_sip_user(session, CLI, customer, SipUserCreate(username=username))
        return "created"

    def remove(block_id: int) -> str:
        with transaction(pg_url) as session:
            delete_block(session, CLI, block_id)
        return "deleted"

    for _ in range(10):
        with transaction(pg_url) as session:
            block = assign_block(session, CLI, customer)
            block_id, username = block.id, str(block.start + 5)
        results = race([lambda u=username: create(u), lambda b=block_id: remove(b)])
        with transaction(pg_url) as session:
            kept = session.get(NumberBlock, block_id) is not None
            used = session.scalar(select(Extension.id).where(Extension.name == username))
        assert kept == (used is not None), results
        assert results.count("created") + results.count("deleted") == 1, results


@pytest.mark.postgres_only
def test_a_new_block_never_covers_a_name_created_meanwhile(pg_url: str) -> None:
    """A customer without blocks takes a number while another gets the block around it."""
    holder, loose = arrange(pg_url, 2)

    def create(number: int) -> str:
        with transaction(pg_url) as session:
            create_sip_user(session, CLI, loose, SipUserCreate(username=str(number)))
        return "created"

    def assign() -> str:
        with transaction(pg_url) as session:
            assign_block(session, CLI, holder)
        return "assigned"

    for round_ in range(10):
        number = 1000 + round_ * 100 + 50  # inside the block the holder gets next
        race([lambda n=number: create(n), assign])
    with transaction(pg_url) as session:
        covered = session.execute(
            select(Extension.name, NumberBlock.start)
            .join(NumberBlock, Extension.number.between(NumberBlock.start, NumberBlock.end))
            .where(NumberBlock.customer_id != Extension.customer_id)
        ).all()
    assert covered == []


@pytest.mark.postgres_only
def test_two_simultaneous_deletes_of_one_block(pg_url: str) -> None:
    (customer,) = arrange(pg_url, 1)

    def remove(block_id: int) -> str:
        with transaction(pg_url) as session:
            delete_block(session, CLI, block_id)
        return "deleted"

    for _ in range(5):
        with transaction(pg_url) as session:
            block_id = assign_block(session, CLI, customer).id
        results = race([lambda b=block_id: remove(b)] * 2)
        outcomes = sorted("404" if isinstance(r, NotFound) else r for r in results)
        assert outcomes == ["404", "deleted"], results


@pytest.mark.postgres_only
def test_deleting_a_sip_user_while_it_is_edited(pg_url: str) -> None:
    """One write wins; the other is a plain 404 (not a 500 on a row gone meanwhile)."""
    (customer,) = arrange(pg_url, 1)

    def remove(user_id: int) -> str:
        with transaction(pg_url) as session:
            delete_sip_user(session, CLI, user_id)
        return "deleted"

    def edit(user_id: int) -> str:
        with transaction(pg_url) as session:
            update_sip_user(session, CLI, user_id, SipUserUpdate(cps=3))
        return "edited"

    for round_ in range(5):
        with transaction(pg_url) as session:
            user, _ = create_sip_user(session, CLI, customer, SipUserCreate(username=f"u{round_}"))
            user_id = user.id
        results = race([lambda u=user_id: remove(u), lambda u=user_id: remove(u)])
        assert sorted("404" if isinstance(r, NotFound) else r for r in results) == [
            "404",
            "deleted",
        ], results
        with transaction(pg_url) as session:
            user, _ = create_sip_user(session, CLI, customer, SipUserCreate(username=f"v{round_}"))
            user_id = user.id
        results = race([lambda u=user_id: remove(u), lambda u=user_id: edit(u)])
        assert "deleted" in results, results
        assert all(r in ("deleted", "edited") or isinstance(r, NotFound) for r in results)
