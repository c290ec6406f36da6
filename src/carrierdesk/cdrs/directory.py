"""Who a CDR belongs to: by customer_id, customer_ref or sip_user, looked up once per import."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from carrierdesk.cdrs.rating import RatingBook
from carrierdesk.models import Customer


@dataclass(frozen=True)
class KnownCustomer:
    id: int
    currency: str


@dataclass
class CustomerDirectory:
    by_id: dict[int, KnownCustomer]
    by_ref: dict[str, KnownCustomer]
    by_sip_user: dict[str, KnownCustomer] = field(default_factory=dict)
    rating: RatingBook | None = None  # None: no customer nor provider has a rate card
    providers: dict[str, int] = field(default_factory=dict)  # name, lowercase → provider id

    @classmethod
    def load(cls, session: Session) -> CustomerDirectory:
        rows = session.execute(select(Customer.id, Customer.reference, Customer.currency)).all()
        by_id = {cid: KnownCustomer(cid, currency) for cid, _ref, currency in rows}
        by_ref = {ref: by_id[cid] for cid, ref, _cur in rows if ref}
        by_sip = {}
        # SIP users come with the numbering feature; until its table exists, none resolve.
        if inspect(session.connection()).has_table("sip_users"):
            sip_rows = session.execute(text("SELECT username, customer_id FROM sip_users"))
            by_sip = {name: by_id[cid] for name, cid in sip_rows if cid in by_id}
        from carrierdesk.cdrs.ratebook import load_rating

        return cls(by_id, by_ref, by_sip, load_rating(session), _providers(session))


def provider_key(name: str) -> str:
    """How a CDR's `provider` is matched to a provider's name: without case."""
    return name.lower()


def _providers(session: Session) -> dict[str, int]:
    if not inspect(session.connection()).has_table("providers"):
        return {}
    rows = session.execute(text("SELECT name_key, id FROM providers"))
    return {str(key): int(pid) for key, pid in rows}
