"""Control Panel › Settings › Options."""

from __future__ import annotations

from carrierdesk.db import transaction
from carrierdesk.settings.service import get_options
from fixtures.panel import OPTIONS_FORM, Panel, field_errors, flashes


def test_admin_saves_options(panel: Panel, db_url: str) -> None:
    page = panel.get("/settings/options").text
    assert 'name="summary_refresh_seconds"' in page and 'name="max_auth_failures"' in page
    saved = panel.submit("/settings/options", OPTIONS_FORM)
    assert "Options saved." in flashes(saved.text)
    with transaction(db_url) as session:
        options = get_options(session)
    assert (options.number_range_start, options.block_size) == (10000, 100)
    assert options.invoice_line_grouping == "destination"
    assert (options.summary_refresh_seconds, options.auto_logout_minutes) == (120, 30)
    assert options.max_auth_failures == 5 and not options.audit_comment_required
    assert (options.invoice_number_prefix, options.invoice_number_padding) == ("NV/", 5)
    assert options.invoice_tax_name == "VAT"
    assert options.invoice_company_text == "Nimbus Carrier plc\n1 Exchange Sq, London"


def test_bad_options_are_refused_by_field(panel: Panel, db_url: str) -> None:
    bad = {
        **OPTIONS_FORM,
        "summary_refresh_seconds": "1",
        "max_auth_failures": "",
        "invoice_tax_name": "",
        "invoice_number_prefix": "INV 2026",
    }
    answer = panel.post("/settings/options", bad)
    assert answer.status_code == 422
    errors = field_errors(answer.text)
    assert "must be 5 or more" in errors["summary_refresh_seconds"]
    assert errors["max_auth_failures"] == "is required"
    assert errors["invoice_tax_name"] == "is required"
    assert "may only contain these characters: A-Za-z0-9/_.#-" in errors["invoice_number_prefix"]
    with transaction(db_url) as session:
        assert get_options(session).summary_refresh_seconds == 60


def test_options_are_for_admins_only(
    operator_panel: Panel, viewer_panel: Panel, db_url: str
) -> None:
    assert operator_panel.get("/settings/options").status_code == 403
    assert viewer_panel.get("/settings/options").status_code == 403
    assert operator_panel.post("/settings/options", OPTIONS_FORM).status_code == 403
    with transaction(db_url) as session:
        assert get_options(session).block_size is None
