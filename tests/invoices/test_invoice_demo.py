"""`carrierdesk demo` issues the demo month's invoices under each customer's schedule."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from carrierdesk.demo import load_demo
from carrierdesk.models import Customer, Invoice


def test_demo_issues_invoices_by_schedule(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("carrierdesk.cdrs.demo.DEMO_ROWS", 5_000)  # the CDR demo has its own test
    load_demo(db)
    invoices = list(db.scalars(select(Invoice).order_by(Invoice.sequence)))
    assert invoices and {i.status for i in invoices} <= {"issued", "paid"}
    assert "issued" in {i.status for i in invoices}
    assert [i.sequence for i in invoices] == list(range(1, len(invoices) + 1))
    schedules = {c.id: c.invoice_schedule for c in db.scalars(select(Customer))}
    assert {schedules[i.customer_id] for i in invoices} <= {"daily", "weekly", "monthly"}
    assert all(i.timeframe == schedules[i.customer_id] for i in invoices)
    assert all(i.total > 0 and i.lines for i in invoices)
