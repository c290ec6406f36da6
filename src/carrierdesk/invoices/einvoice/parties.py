"""The seller's and the buyer's details, and what an invoice is issued with: they are written on
the invoice at issue time (invoices.seller, .buyer, .tax_category), so a later edit of the customer
or of Settings › Invoicing never changes an issued invoice or its e-invoice."""

from __future__ import annotations

from typing import Any

from carrierdesk.models import Customer, Invoice
from carrierdesk.settings.schemas import SELLER_FIELDS, Options

BUYER_KEYS = (
    "address_line1",
    "address_line2",
    "city",
    "postcode",
    "country",
    "vat_id",
    "invoice_email",
)


def seller_of(options: Options) -> dict[str, Any]:
    """{legal_name, address_line1, …, iban, bic, email}: the keys of Settings › Invoicing."""
    return {name.removeprefix("seller_"): getattr(options, name) for name in SELLER_FIELDS}


def buyer_of(customer: Customer) -> dict[str, Any]:
    details = {key: getattr(customer, key) for key in BUYER_KEYS}
    details["legal_name"] = customer.legal_name or customer.name
    details["reference"] = customer.reference
    return details


def issued_with(customer: Customer, options: Options) -> dict[str, Any]:
    """The invoice columns that freeze the parties and the tax category at issue time."""
    return {
        "tax_category": customer.tax_category,
        "tax_exemption_reason": customer.tax_exemption_reason,
        "seller": seller_of(options),
        "buyer": buyer_of(customer),
    }


def parties(
    invoice: Invoice, customer: Customer, options: Options
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(seller, buyer) as issued; an invoice issued before e-invoices (migration 0013) has none
    stored and takes today's."""
    return (
        invoice.seller if invoice.seller is not None else seller_of(options),
        invoice.buyer if invoice.buyer is not None else buyer_of(customer),
    )
