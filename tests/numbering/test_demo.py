"""`carrierdesk demo` gives every customer a block, SIP users and a conference room."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carrierdesk.demo import load_demo
from carrierdesk.models import ConferenceRoom, Customer, NumberBlock, SipUser
from carrierdesk.settings.service import get_options


def per_customer(session: Session, model: type[NumberBlock | SipUser | ConferenceRoom]) -> int:
    stmt = select(func.count(func.distinct(model.customer_id)))
    return session.scalar(stmt) or 0


def test_demo_customers_hold_blocks_sip_users_and_rooms(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("carrierdesk.cdrs.demo.DEMO_ROWS", 5_000)  # the CDR demo has its own test
    load_demo(db)
    customers = db.scalar(select(func.count(Customer.id)))
    assert customers
    options = get_options(db)
    assert (options.number_range_start, options.block_size) == (1000, 100)
    for model in (NumberBlock, SipUser, ConferenceRoom):
        assert per_customer(db, model) == customers
    for user in db.scalars(select(SipUser)):
        block = db.scalars(select(NumberBlock).where(NumberBlock.customer_id == user.customer_id))
        assert any(b.start <= int(user.username) <= b.end for b in block)
