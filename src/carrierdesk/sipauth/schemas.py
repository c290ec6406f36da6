from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from carrierdesk.validation import Input, IpWhitelist, NotClearable, normalise_ip_or_cidr


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _pin(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[0-9]{4,12}", value):
        raise ValueError("must be 4 to 12 digits")
    return value


def _tech_prefix(value: str) -> str:
    if not re.fullmatch(r"[0-9A-Za-z#*+]{0,20}", value):
        raise ValueError("must be up to 20 characters of digits, letters, #, * or +")
    return value


def _not_too_wide(value: str) -> str:
    """IP authentication lets calls in without a password: never for a quarter of the internet."""
    network = ipaddress.ip_network(value)
    widest = 8 if network.version == 4 else 16
    if network.prefixlen < widest:
        raise ValueError(f"is too wide for IP authentication: at most a /{widest} range")
    return value


Protocol = Annotated[Literal["udp", "tcp", "tls"], BeforeValidator(_lower)]
Quality = Annotated[Literal["narrow", "wide", "ultra_wide"], BeforeValidator(_lower)]
IpList = IpWhitelist
IpOrCidr = Annotated[str, AfterValidator(normalise_ip_or_cidr), AfterValidator(_not_too_wide)]
Channels = Annotated[int | None, Field(ge=0, le=100_000)]
Cps = Annotated[int | None, Field(ge=0, le=10_000)]
Port = Annotated[int, Field(ge=1, le=65535)]
# The patterns below only state in the OpenAPI document what the validators (and, for names,
# numbering/extensions.py's NAME) check, so a refusal keeps its own message.
TechPrefix = Annotated[
    str,
    AfterValidator(_tech_prefix),
    Field(json_schema_extra={"pattern": r"^[0-9A-Za-z#*+]{0,20}$"}),
]
# Empty (or blank) is no PIN.
PinText = Annotated[str, Field(json_schema_extra={"pattern": r"^([0-9]{4,12})?$"})]
Pin = Annotated[PinText | None, BeforeValidator(_blank_is_none), AfterValidator(_pin)]
# A SIP username or a conference extension: one namespace (numbering/extensions.py).
ExtensionName = Annotated[str, Field(json_schema_extra={"pattern": r"^[A-Za-z0-9_.-]{1,32}$"})]
# A password is kept exactly as typed: a trimmed one would not be the one the phone sends.
Password = Annotated[str, StringConstraints(strip_whitespace=False)]
RoomName = Annotated[str, Field(min_length=1, max_length=100)]
MaxMembers = Annotated[int, Field(ge=0, le=10_000)]


class Fields(Input):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class SipUserCreate(Fields):
    username: ExtensionName
    password: Password | None = None
    channels: Channels = None
    cps: Cps = None
    protocol: Protocol = "udp"
    ip_whitelist: IpList = Field(default_factory=list)
    enabled: bool = True


class SipUserUpdate(Fields):
    """The username is fixed: the stored digest hashes are computed from it."""

    # NotClearable[X]: may be left out, not cleared (null is "cannot be empty")
    channels: Channels = None
    cps: Cps = None
    protocol: NotClearable[Protocol] = None
    ip_whitelist: NotClearable[IpList] = None
    enabled: NotClearable[bool] = None


class SipPasswordReset(Fields):
    password: Password | None = None  # none: generate one, returned once


class SipUserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    username: str
    realm: str
    channels: int | None
    cps: int | None
    protocol: str
    ip_whitelist: list[str]
    enabled: bool
    created_at: datetime
    updated_at: datetime


class SipUserCreated(SipUserOut):
    password: str | None = None  # the generated password, shown this once


class SipUserList(BaseModel):
    items: list[SipUserOut]
    total: int


class IpAuthCreate(Fields):
    ip: IpOrCidr
    receives_calls: bool = True
    sends_calls: bool = True
    channels: Channels = None
    cps: Cps = None
    protocol: Protocol = "udp"
    port: Port = 5060
    tech_prefix: TechPrefix = ""


class IpAuthUpdate(Fields):
    ip: NotClearable[IpOrCidr] = None
    receives_calls: NotClearable[bool] = None
    sends_calls: NotClearable[bool] = None
    channels: Channels = None
    cps: Cps = None
    protocol: NotClearable[Protocol] = None
    port: NotClearable[Port] = None
    tech_prefix: NotClearable[TechPrefix] = None


class IpAuthOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    ip: str
    receives_calls: bool
    sends_calls: bool
    channels: int | None
    cps: int | None
    protocol: str
    port: int
    tech_prefix: str
    created_at: datetime
    updated_at: datetime
    warnings: list[str] = Field(default_factory=list)


class IpAuthList(BaseModel):
    items: list[IpAuthOut]
    total: int


class ConferenceCreate(Fields):
    name: RoomName
    extension: ExtensionName
    pin: Pin = None
    moderator_pin: Pin = None
    quality: Quality = "wide"
    max_members: MaxMembers = 0


class ConferenceUpdate(Fields):
    name: NotClearable[RoomName] = None
    extension: NotClearable[ExtensionName] = None
    pin: Pin = None
    moderator_pin: Pin = None
    quality: NotClearable[Quality] = None
    max_members: NotClearable[MaxMembers] = None


class ConferenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    name: str
    extension: str
    pin: str | None
    moderator_pin: str | None
    quality: str
    max_members: int
    created_at: datetime
    updated_at: datetime


class ConferenceList(BaseModel):
    items: list[ConferenceOut]
    total: int
