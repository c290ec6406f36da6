"""Issue 15, done when: a client generated with openapi-python-client (0.29, in a virtualenv of
its own that `make test-tools` makes: scripts/ensure-test-tools.sh) from the served
/api/v1/openapi.json, with the configuration docs/billing-integration.md gives
(docs/openapi-python-client.yaml), and no warning from the generator, runs a billing system's
flow against the live server with typed attributes only: invoices issued since a date, one of
them, its PDF and its UBL, the customer's Summary rows and CDR report, and marking it paid."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from fixtures.builders import cdr, make_customer
from invoices.invoice_helpers import calls, generate
from support import Api, make_token

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("served")]

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT / ".tools" / "openapi-client-venv" / "bin"
CONFIG = ROOT / "docs" / "openapi-python-client.yaml"
PACKAGE = "carrierdesk_client"
DAY = date(2026, 10, 5)  # the invoiced day (fixtures.builders.T0)


@pytest.fixture
def invoice(served_app: str, db_url: str) -> dict[str, Any]:
    """An issued daily invoice of a customer with three calls, two on the invoiced day; the
    customer and the seller (Settings › Invoicing) have what an e-invoice needs."""
    with httpx.Client(base_url=served_app) as http:
        admin = Api(http, make_token(db_url, "admin"))  # type: ignore[arg-type]
        seller = {
            "seller_legal_name": "Carrier Desk SA",
            "seller_address_line1": "Rue de la Loi 16",
            "seller_city": "Brussels",
            "seller_postcode": "1000",
            "seller_country": "BE",
            "seller_vat_id": "BE0123456749",
            "seller_iban": "BE71096123456769",
            "seller_email": "billing@carrierdesk.example",
        }
        assert admin.patch("/settings/options", seller).status_code == 200
        customer_id = make_customer(
            admin,
            "Acme Telecom",
            currency="EUR",
            tax_rate="21",
            legal_name="Acme Telecom GmbH",
            address_line1="Friedrichstraße 1",
            city="Berlin",
            postcode="10117",
            country="DE",
            vat_id="DE136695976",
        )
        day = datetime(DAY.year, DAY.month, DAY.day, 10, tzinfo=UTC)
        calls(
            admin,
            [
                cdr("call-1", customer_id, start=day, charge="0.012500"),
                cdr("call-2", customer_id, start=day.replace(hour=11), charge="0.020000"),
                cdr("call-3", customer_id, start=day.replace(day=6), charge="0.100000"),
            ],
        )
        made = generate(admin, customer_id, "daily", DAY.isoformat())
        assert made.status_code == 201, made.text
        issued: dict[str, Any] = made.json()["items"][0]
        return issued


@pytest.fixture
def client_package(served_app: str, tmp_path: Path) -> Iterator[str]:
    """The client generated from the served OpenAPI document, importable; its package name."""
    document = httpx.get(f"{served_app}/api/v1/openapi.json")
    assert document.status_code == 200
    (tmp_path / "openapi.json").write_bytes(document.content)
    generator = GENERATOR / "openapi-python-client"
    assert generator.exists(), "the client generator is missing: run make test-tools"
    run = subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            "openapi.json",
            "--output-path",
            PACKAGE,
            "--meta",
            "none",
            "--config",
            str(CONFIG),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        # its own ruff formats the client (the generator's post-hooks find it on PATH)
        env={**os.environ, "PATH": f"{GENERATOR}{os.pathsep}{os.environ['PATH']}"},
        timeout=300,
        check=False,
    )
    printed = run.stdout + run.stderr
    assert run.returncode == 0, printed
    assert "warning" not in printed.lower(), printed
    sys.path.insert(0, str(tmp_path))
    try:
        yield PACKAGE
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def part(package: str, name: str) -> ModuleType:
    return importlib.import_module(f"{package}.{name}")


def test_a_billing_system_runs_its_flow_with_a_generated_client(
    served_app: str, db_url: str, invoice: dict[str, Any], client_package: str
) -> None:
    client_module = part(client_package, "client")
    models = part(client_package, "models")
    types = part(client_package, "types")
    invoices = {
        name: part(client_package, f"api.invoices.{name}")
        for name in (
            "list_invoices",
            "get_invoice",
            "get_invoice_pdf",
            "get_invoice_ubl",
            "mark_invoice_paid",
        )
    }
    get_summary = part(client_package, "api.summaries.get_summary")
    download_cdrs = part(client_package, "api.cdrs.download_cdrs")
    client = client_module.AuthenticatedClient(
        base_url=f"{served_app}/api/v1",
        token=make_token(db_url, "operator"),  # the billing system's API token
        raise_on_unexpected_status=True,
    )
    with client:
        # Invoices issued since a date: ours, typed.
        issued = date.fromisoformat(invoice["invoice_date"])
        page = invoices["list_invoices"].sync(client=client, issued_from=issued)
        assert isinstance(page, models.InvoiceList), page
        assert [i.number for i in page.items] == [invoice["number"]] and page.total == 1
        later = invoices["list_invoices"].sync(client=client, issued_from=date(2099, 1, 1))
        assert isinstance(later, models.InvoiceList) and later.items == []

        found = invoices["get_invoice"].sync(client=client, invoice_id=page.items[0].id)
        assert isinstance(found, models.InvoiceOut), found
        assert found.status is models.InvoiceOutStatus.ISSUED
        assert found.timeframe is models.InvoiceOutTimeframe.DAILY
        assert found.period_start == datetime(2026, 10, 5, tzinfo=UTC)
        assert found.period_end == datetime(2026, 10, 6, tzinfo=UTC)
        assert found.invoice_date == issued and isinstance(found.created_at, datetime)
        assert found.currency == "EUR" and found.subtotal == "0.03"
        assert [(line.calls, line.net) for line in found.lines] == [(2, "0.03")]

        pdf = invoices["get_invoice_pdf"].sync(client=client, invoice_id=found.id)
        assert isinstance(pdf, types.File), pdf
        assert pdf.payload.read().startswith(b"%PDF")

        ubl = invoices["get_invoice_ubl"].sync(client=client, invoice_id=found.id)
        assert isinstance(ubl, types.File), ubl
        xml = ubl.payload.read()
        assert b"<Invoice" in xml and found.number.encode() in xml

        # The customer's Summary rows: the invoiced day carries the invoice.
        summary = get_summary.sync(
            client=client,
            customer_id=found.customer_id,
            timeframe=models.GetSummaryTimeframe.DAILY,
            from_=DAY,
            to=date(2026, 10, 7),
        )
        assert isinstance(summary, models.SummaryOut), summary
        second, first = summary.items  # newest period first
        assert (first.period_start, first.attempts, first.connected) == (found.period_start, 2, 2)
        assert first.charge == "0.032500" and first.duration == 120
        assert first.invoice_id == found.id and first.invoice.number == found.number
        assert (second.attempts, second.charge, second.invoice_id) == (1, "0.100000", None)
        assert isinstance(second.invoice, types.Unset)  # not invoiced: no invoice key at all
        assert summary.totals.attempts == 3

        # The calls behind the invoice, as the CDR report (CSV).
        report = download_cdrs.sync(
            client=client, customer_id=found.customer_id, from_=DAY, to=date(2026, 10, 6)
        )
        assert isinstance(report, types.File), report
        header, *rows = report.payload.read().decode().splitlines()
        assert "call_id" in header.split(",") and len(rows) == 2

        # Marked paid, with the payment's date and the bank's reference.
        body = models.MarkPaidIn(paid_on=issued, reference="BANK-2026-1005")
        paid = invoices["mark_invoice_paid"].sync(client=client, invoice_id=found.id, body=body)
        assert isinstance(paid, models.InvoiceOut), paid
        assert paid.status is models.InvoiceOutStatus.PAID
        assert (paid.paid_on, paid.payment_reference) == (issued, "BANK-2026-1005")
        assert isinstance(paid.paid_at, datetime)
