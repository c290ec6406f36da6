"""Internal number blocks and the account-wide extension namespace with what uses it:
SIP users, IP authentication entries and conference rooms (PRODUCT.md §3, §4)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from carrierdesk.models.base import Base, JSONType, Timestamps


class NumberBlock(Timestamps, Base):
    """[start, end] of one customer. Blocks never overlap: an exclusion constraint on
    PostgreSQL and a trigger on SQLite refuse an overlapping row (see migration 0002)."""

    __tablename__ = "number_blocks"
    __table_args__ = (CheckConstraint('"end" >= start', name="end_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    start: Mapped[int] = mapped_column(BigInteger, unique=True)
    end: Mapped[int] = mapped_column("end", BigInteger)


class Extension(Base):
    """One name of the account-wide namespace shared by SIP users and conference rooms.

    `name_key` (lower case) and `number` (the value of an all-digit name) are unique, so
    "Alice"/"alice" and "01005"/"1005" are the same extension for the database itself."""

    __tablename__ = "extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(32))
    name_key: Mapped[str] = mapped_column(String(32), unique=True)
    number: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # sip_user / conference


class SipUser(Timestamps, Base):
    """What a SIP server's digest authentication needs: username, realm hashes, limits."""

    __tablename__ = "sip_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    extension_id: Mapped[int] = mapped_column(ForeignKey("extensions.id"), unique=True)
    # A copy of the extension's name for the SIP server's lookups; never changes (HA1 uses it).
    username: Mapped[str] = mapped_column(String(32), unique=True)
    ha1: Mapped[str] = mapped_column(String(32))
    ha1b: Mapped[str] = mapped_column(String(32))
    realm: Mapped[str] = mapped_column(String(200))
    channels: Mapped[int | None]
    cps: Mapped[int | None]
    protocol: Mapped[str] = mapped_column(String(3), default="udp")
    ip_whitelist: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    enabled: Mapped[bool] = mapped_column(default=True)


class IpAuth(Timestamps, Base):
    """An IP or CIDR the switch accepts calls from / sends calls to for one customer.

    `range_first`/`range_last` are the first and last address as fixed-width hex, so that
    "does another entry cover this address" is an indexed range query."""

    __tablename__ = "ip_auth"
    __table_args__ = (Index("ix_ip_auth_range", "ip_version", "range_first", "range_last"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    ip: Mapped[str] = mapped_column(String(50))
    ip_version: Mapped[int]
    range_first: Mapped[str] = mapped_column(String(32))
    range_last: Mapped[str] = mapped_column(String(32))
    receives_calls: Mapped[bool] = mapped_column(default=True)
    sends_calls: Mapped[bool] = mapped_column(default=True)
    channels: Mapped[int | None]
    cps: Mapped[int | None]
    protocol: Mapped[str] = mapped_column(String(3), default="udp")
    port: Mapped[int] = mapped_column(default=5060)
    tech_prefix: Mapped[str] = mapped_column(String(20), default="")


class ConferenceRoom(Timestamps, Base):
    __tablename__ = "conference_rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    extension_id: Mapped[int] = mapped_column(ForeignKey("extensions.id"), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    pin: Mapped[str | None] = mapped_column(String(12))
    moderator_pin: Mapped[str | None] = mapped_column(String(12))
    quality: Mapped[str] = mapped_column(String(12), default="wide")
    max_members: Mapped[int] = mapped_column(default=0)

    extension_row: Mapped[Extension] = relationship(lazy="joined", innerjoin=True)

    @property
    def extension(self) -> str:
        return self.extension_row.name
