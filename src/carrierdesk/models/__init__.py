"""Every table, imported here so that Alembic and the tests see the whole schema.

- base.py  `Base`, `utcnow`;  customers.py  contacts.py  users.py (users, API tokens, sessions)
- numbering.py  blocks, extensions, SIP users, IP auth, conference rooms
- cdrs.py  CDRs, hourly sums, summary state;  invoices.py  invoices, lines, counters, schedules
- audit.py  outbox.py  scheduled.py  options.py  security.py (login throttle, one-time tokens)
- rating.py  rate cards, their rates (decks), providers, the rating version counter
- webhooks.py  webhook endpoints, events, deliveries
- a new table: a module here, imported below, and a migration in migrations/versions/
"""

from carrierdesk.models.audit import AuditEntry
from carrierdesk.models.base import Base
from carrierdesk.models.cdrs import (
    Cdr,
    CdrHourly,
    CdrKey,
    KamailioCdr,
    SummaryDirty,
    SummaryState,
)
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
from carrierdesk.models.rating import Provider, Rate, RateCard, RatingVersion
from carrierdesk.models.scheduled import ScheduledChange
from carrierdesk.models.security import LoginThrottle, OneTimeToken
from carrierdesk.models.users import ApiToken, AuthSession, User
from carrierdesk.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent

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
    "KamailioCdr",
    "LoginThrottle",
    "NumberBlock",
    "OneTimeToken",
    "OptionRow",
    "OutboxMessage",
    "Provider",
    "Rate",
    "RateCard",
    "RatingVersion",
    "ScheduledChange",
    "SipUser",
    "SummaryDirty",
    "SummaryState",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
