"""Invoice amounts exactly as CDR.md says: each line's net rounded half-up to the currency's minor
unit (at most 2 decimals, EN 16931), the subtotal their sum, tax on the subtotal rounded once,
total = subtotal + tax."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from carrierdesk.validation import minor_unit

HUNDRED = Decimal(100)
SIXTY = Decimal(60)
MINUTES = Decimal("0.01")


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_unit(currency))


def to_minor(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


# EN 16931 (BR-DEC-*) allows invoice amounts at most 2 decimals: in a 3-decimal currency an
# invoice is rounded to 0.01 (shown with the currency's 3 decimals, 1.050 KWD), so its e-invoice
# states exactly the invoice's amounts (docs/e-invoices.md).
MAX_INVOICE_DECIMALS = 2


def invoice_decimals(currency: str) -> int:
    return min(minor_unit(currency), MAX_INVOICE_DECIMALS)


def to_invoice_amount(amount: Decimal, currency: str) -> Decimal:
    rounded = amount.quantize(Decimal(1).scaleb(-invoice_decimals(currency)), ROUND_HALF_UP)
    return to_minor(rounded, currency)


def billed_minutes(seconds: int) -> Decimal:
    return (Decimal(seconds) / SIXTY).quantize(MINUTES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineSums:
    """What one line adds up: its key (a day or a destination), calls, seconds and charge."""

    description: str
    connected: int
    billed_seconds: int
    charge: Decimal

    @property
    def billable(self) -> bool:
        return self.connected > 0 or self.charge > 0


@dataclass(frozen=True)
class Line:
    description: str
    calls: int
    billed_seconds: int
    billed_minutes: Decimal
    net: Decimal


@dataclass(frozen=True)
class Amounts:
    lines: list[Line]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    charge: Decimal  # the exact, unrounded sum of the charges: the summary's figure
    connected: int
    billed_seconds: int


def compute(sums: list[LineSums], currency: str, tax_rate: Decimal) -> Amounts:
    lines = [
        Line(
            s.description,
            s.connected,
            s.billed_seconds,
            billed_minutes(s.billed_seconds),
            to_invoice_amount(s.charge, currency),
        )
        for s in sums
        if s.billable
    ]
    subtotal = to_invoice_amount(sum((line.net for line in lines), Decimal(0)), currency)
    tax = to_invoice_amount(subtotal * tax_rate / HUNDRED, currency)
    return Amounts(
        lines=lines,
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
        charge=sum((s.charge for s in sums), Decimal(0)),
        connected=sum(s.connected for s in sums),
        billed_seconds=sum(s.billed_seconds for s in sums),
    )
