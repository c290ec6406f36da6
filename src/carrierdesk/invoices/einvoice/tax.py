"""Tax categories of a customer and the EN 16931 VAT category each becomes on its invoices.

- standard: the customer's tax rate (S; a rate of 0 is "zero rated", Z, since EN 16931's S
  needs a rate above 0),
- reverse_charge: AE, no VAT, the buyer accounts for it (usual between EU businesses for
  wholesale voice); the exemption code VATEX-EU-AE,
- exempt: E, no VAT, with the reason the customer is exempt (required),
- outside_scope: O, not subject to VAT; the invoice then names no VAT identifier (BR-O-02).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from carrierdesk.errors import FieldError, Invalid

TaxCategoryName = Literal["standard", "reverse_charge", "exempt", "outside_scope"]
TAX_CATEGORIES: tuple[str, ...] = TaxCategoryName.__args__  # type: ignore[attr-defined]
DEFAULT_REASONS = {"reverse_charge": "Reverse charge", "outside_scope": "Not subject to VAT"}
EXEMPTION_CODES = {"reverse_charge": "VATEX-EU-AE", "outside_scope": "VATEX-EU-O"}


@dataclass(frozen=True)
class VatCategory:
    """One VAT breakdown (BG-23) as the e-invoice states it."""

    code: str  # UNTDID 5305: S, Z, AE, E, O
    rate: Decimal | None  # None: category O carries no rate (BR-O-05)
    reason: str | None  # BT-120
    reason_code: str | None  # BT-121

    @property
    def names_vat_ids(self) -> bool:
        return self.code != "O"


def vat_category(category: str, rate: Decimal, reason: str | None) -> VatCategory:
    if category == "standard":
        return VatCategory("S" if rate > 0 else "Z", rate, None, None)
    if category == "reverse_charge":
        return VatCategory("AE", Decimal(0), reason or DEFAULT_REASONS[category], "VATEX-EU-AE")
    if category == "exempt":
        return VatCategory("E", Decimal(0), reason or "Exempt", None)
    return VatCategory("O", None, reason or DEFAULT_REASONS["outside_scope"], "VATEX-EU-O")


def check_tax(category: str, rate: Decimal, reason: str | None, vat_id: str | None) -> None:
    """A customer's tax fields agree with each other (each refusal names its field)."""
    problems: list[FieldError] = []
    if category != "standard" and rate != 0:
        problems.append(
            FieldError("tax_rate", f"must be 0 when the tax category is {category} (no VAT)")
        )
    if category == "exempt" and not reason:
        problems.append(
            FieldError("tax_exemption_reason", "is required when the tax category is exempt")
        )
    if category == "reverse_charge" and not vat_id:
        problems.append(
            FieldError(
                "vat_id", "is required when the tax category is reverse_charge (EN 16931 BR-AE-02)"
            )
        )
    if problems:
        raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems)
