"""Control Panel › Delay Log: the scheduled changes, filtered and cancelled, and one that
failed when applied kept with its error."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from carrierdesk.db import transaction
from carrierdesk.models import ScheduledChange
from carrierdesk.scheduling.jobs import run as apply_due
from fixtures.panel import CONTACT_FORM, Panel, flashes


def scheduled(db_url: str) -> list[ScheduledChange]:
    with transaction(db_url) as session:
        return list(session.scalars(select(ScheduledChange).order_by(ScheduledChange.id)))


def test_delay_log_filters_and_cancels(panel: Panel, db_url: str) -> None:
    panel.schedule_contact_edit()
    [change] = scheduled(db_url)
    log = panel.get("/delay-log").text
    assert "Edit contact Ann Lee &lt;ann@acme.example&gt;" in log
    assert "boss@carrier.example" in log and 'data-status="pending"' in log
    assert "Edit contact Ann Lee" not in panel.get("/delay-log?status=applied").text

    page = panel.submit(f"/delay-log/{change.id}/cancel")
    assert any(f.startswith("Cancelled: Edit contact Ann Lee") for f in flashes(page.text))
    assert scheduled(db_url)[0].status == "cancelled"
    assert "Edit contact Ann Lee" in panel.get("/delay-log?status=cancelled").text

    again = panel.post(f"/delay-log/{change.id}/cancel")
    assert again.status_code == 409 and "no longer pending" in again.text


def test_viewer_cannot_cancel(panel: Panel, viewer_panel: Panel, db_url: str) -> None:
    panel.schedule_contact_edit()
    [change] = scheduled(db_url)
    page = viewer_panel.get("/delay-log").text
    assert "Ann Lee" in page and f"/delay-log/{change.id}/cancel" not in page
    assert viewer_panel.post(f"/delay-log/{change.id}/cancel").status_code == 403
    assert scheduled(db_url)[0].status == "pending"


def test_a_change_that_fails_when_applied_is_kept_with_its_error(panel: Panel, db_url: str) -> None:
    customer_id = panel.new_customer()
    contact_id = panel.new_contact(customer_id)
    edit = {**CONTACT_FORM, "email": "taken@acme.example", "save": "delay", "delay": "15m"}
    assert panel.post(f"/contacts/{contact_id}/edit", edit).status_code == 303
    panel.new_contact(customer_id, name="Bo Taken", email="taken@acme.example")
    [change] = scheduled(db_url)
    with transaction(db_url) as session:
        assert apply_due(session, now=change.apply_at) == 1
    log = panel.get("/delay-log?status=failed").text
    assert "Edit contact Ann Lee" in log and "email: is already used by another contact" in log
    assert 'data-status="failed"' in log and "/cancel" not in log


def test_delay_log_reads_in_words(panel: Panel, db_url: str) -> None:
    customer_id = panel.new_customer()
    contact_id = panel.new_contact(customer_id, phone="", ip_whitelist="")
    edit = {**CONTACT_FORM, "name": "Ann Later", "save": "delay", "delay": "4h"}
    assert panel.post(f"/contacts/{contact_id}/edit", edit).status_code == 303
    log = panel.get("/delay-log").text
    row = log.split('data-status="pending"', 1)[1].split("</tr>", 1)[0]
    lines = [
        " ".join(html.unescape(re.sub(r"<[^>]+>", "", li)).split())
        for li in re.findall(r"<li data-field[^>]*>(.*?)</li>", row, re.S)
    ]
    assert "Name: Ann Lee → Ann Later" in lines
    assert "Phone: (empty) → +442071234567" in lines
    assert "IP whitelist: (empty) → 203.0.113.7, 198.51.100.0/24" in lines
    assert f'href="/customers/{customer_id}"><i class="bi bi-building"></i> Acme Telecom</a>' in row
    assert "customer 1" not in row and "phone=" not in row and "∅" not in row

    [change] = scheduled(db_url)
    with transaction(db_url) as session:
        assert apply_due(session, now=change.apply_at) == 1
    applied = panel.get("/delay-log?status=applied").text
    assert "Name</span>: set to Ann Later" in applied  # what it replaced is in the Audit Log
