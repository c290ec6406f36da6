"""`carrierdesk demo`: a lived-in account for `make run`, built through the services so that
every record is valid and audited exactly as if an operator had typed it."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from carrierdesk.auth.principals import CLI
from carrierdesk.auth.service import create_user
from carrierdesk.cdrs.demo import add_demo_cdrs
from carrierdesk.contacts.schemas import ContactCreate
from carrierdesk.contacts.service import create_contact
from carrierdesk.customers.schemas import CustomerCreate
from carrierdesk.customers.service import create_customer
from carrierdesk.invoices.demo import add_demo_invoices
from carrierdesk.models import Customer, User
from carrierdesk.numbering.demo import load_numbering_demo
from carrierdesk.rating.demo import load_rating_demo

DEMO_ADMIN = "admin@carrierdesk.example"  # .local is no valid email domain (email-validator)
DEMO_PASSWORD = "Demo-Admin-2026!"  # a demo login, printed by `make run`; never for production

CUSTOMERS = [
    ("Acme Telecom", "ACME-001", "USD", "active", 120, "monthly", "+12025550143"),
    ("Northwind Voice", "NWV-204", "USD", "active", 60, "monthly", "+13125550178"),
    ("Blue Harbour Communications", "BHC-310", "GBP", "active", 240, "monthly", "+442071838750"),
    ("Cedar Valley Networks", "CVN-118", "USD", "active", 30, "weekly", "+15035550199"),
    ("Helios Carrier Services", "HCS-552", "EUR", "active", 400, "monthly", "+4930901820"),
    ("Pacific Rim Telecom", "PRT-077", "USD", "penalty", 90, "monthly", "+14155550127"),
    ("Meridian Call Centres", "MCC-431", "GBP", "active", 180, "daily", "+441614960321"),
    ("Aurora Wholesale Voice", "AWV-009", "EUR", "active", 600, "monthly", "+33142685300"),
    ("Summit Business Lines", "SBL-265", "USD", "pending_approval", 20, "none", "+17205550112"),
    ("Lighthouse VoIP", "LHV-640", "EUR", "active", 75, "weekly", "+31205551234"),
    ("Redwood Contact Solutions", "RCS-388", "USD", "inactive", 0, "none", "+19165550154"),
    ("Kestrel Mobile", "KMO-712", "GBP", "active", 150, "monthly", "+442079460958"),
]
PEOPLE = [
    "Ann Lee",
    "Raj Patel",
    "Maria Gonzalez",
    "Tom Becker",
    "Yuki Tanaka",
    "Olu Adeyemi",
    "Sofia Rossi",
    "Liam O'Brien",
    "Chen Wei",
    "Fatima Khan",
    "Jonas Berg",
    "Amara Diallo",
    "Grace Kim",
    "Pavel Novak",
    "Isla Murray",
    "Diego Herrera",
    "Nina Schulz",
    "Omar Haddad",
]
TYPES = ["billing", "technical", "noc", "management", "sales", "rates", "general"]


@dataclass(frozen=True)
class DemoResult:
    customers: int
    contacts: int
    admin_email: str
    admin_password: str


def has_demo_admin(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.email_key == DEMO_ADMIN)) is not None


def load_demo(session: Session, only_if_empty: bool = False) -> DemoResult | None:
    if only_if_empty and session.scalar(select(func.count(Customer.id))):
        return None
    rng = random.Random(2026)
    if not has_demo_admin(session):
        create_user(session, CLI, DEMO_ADMIN, "admin", DEMO_PASSWORD)
    contacts = 0
    for name, ref, currency, status, channels, schedule, phone in CUSTOMERS:
        customer = create_customer(
            session,
            CLI,
            CustomerCreate(
                name=name,
                reference=ref,
                currency=currency,
                status=status,
                channels=channels,
                invoice_schedule=schedule,
                tax_rate=Decimal(rng.choice(["0", "5", "20"])),
            ),
        )
        domain = name.lower().split()[0].replace("'", "") + ".example"
        for i, person in enumerate(rng.sample(PEOPLE, rng.randint(2, 5))):
            first = person.split()[0].lower()
            create_contact(
                session,
                CLI,
                customer.id,
                ContactCreate(
                    name=person,
                    email=f"{first}@{domain}",
                    phone=phone if i == 0 else None,
                    contact_type=TYPES[i % len(TYPES)] if i else "billing",
                    email_verified=rng.random() < 0.7,
                    mobile_verified=False,
                    public_notes="Primary contact for invoices." if i == 0 else "",
                    private_notes="Prefers email; escalate outages to the NOC line."
                    if i == 1
                    else "",
                ),
            )
            contacts += 1
    load_numbering_demo(session, rng, range_start=1000, block_size=100)
    add_demo_cdrs(session, unrated=load_rating_demo(session).rated)
    add_demo_invoices(session)
    return DemoResult(len(CUSTOMERS), contacts, DEMO_ADMIN, DEMO_PASSWORD)
