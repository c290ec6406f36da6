"""Control Panel › Email Log."""

from __future__ import annotations

from fixtures.panel import Panel


def test_email_log_lists_the_outbox_with_the_body(panel: Panel) -> None:
    panel.new_contact(panel.new_customer())
    log = panel.get("/email-log").text
    assert "ann@acme.example" in log and "Your carrierdesk Customer Portal login" in log
    assert "Hello Ann Lee" in log and ">held<" in log
    assert "No email yet" in panel.get("/email-log?to=nobody").text
