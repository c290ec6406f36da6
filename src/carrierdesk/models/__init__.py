"""Every table, imported here so that Alembic and the tests see the whole schema."""

from carrierdesk.models.audit import AuditEntry
from carrierdesk.models.base import Base
from carrierdesk.models.cdrs import Cdr, CdrHourly, CdrKey, SummaryDirty, SummaryState
from carrierdesk.models.contacts import Contact
from carrierdesk.models.customers import Customer
from carrierdesk.models.invoices import (
    Invoice,
    InvoiceAutoState,
    InvoiceCounter,
    InvoiceLine,
    InvoiceScheduleCheck,
)
from carrierdesk.models.numbering import ConferenceRoom, Extension, IpAuth, NumberBlock, SipUser
from carrierdesk.models.options import OptionRow
from carrierdesk.models.outbox import OutboxMessage
from carrierdesk.models.scheduled import ScheduledChange
from carrierdesk.models.security import LoginThrottle, OneTimeToken
from carrierdesk.models.users import ApiToken, AuthSession, User

__all__ = [
    "ApiToken",
    "AuditEntry",
    "AuthSession",
    "Base",
    "Cdr",
    "CdrHourly",
    "CdrKey",
    "ConferenceRoom",
    "Contact",
    "Customer",
    "Extension",
    "Invoice",
    "InvoiceAutoState",
    "InvoiceCounter",
    "InvoiceLine",
    "InvoiceScheduleCheck",
    "IpAuth",
    "LoginThrottle",
    "NumberBlock",
    "OneTimeToken",
    "OptionRow",
    "OutboxMessage",
    "ScheduledChange",
    "SipUser",
    "SummaryDirty",
    "SummaryState",
    "User",
]
