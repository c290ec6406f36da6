from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from carrierdesk.validation import (
    EMAIL_FORMAT,
    Input,
    IpWhitelist,
    NotClearable,
    check_email,
    normalise_phone,
)

ContactType = Literal["general", "billing", "technical", "noc", "sales", "rates", "management"]
CONTACT_TYPES: tuple[str, ...] = ContactType.__args__  # type: ignore[attr-defined]
Email = Annotated[
    str,
    Field(max_length=320, json_schema_extra=EMAIL_FORMAT),
    AfterValidator(check_email),
]
Phone = Annotated[str | None, AfterValidator(normalise_phone)]
IpList = IpWhitelist
Notes = Annotated[str, Field(max_length=10_000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
SORTS = ("name", "-name", "email", "-email", "customer", "-customer", "created_at", "-created_at")


class ContactFields(Input):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ContactCreate(ContactFields):
    name: Name
    email: Email
    phone: Phone = None
    mobile: Phone = None
    contact_type: ContactType = "general"
    auto_generate_password: bool = True
    password: str | None = None
    public_notes: Notes = ""
    private_notes: Notes = ""
    email_verified: bool = False
    mobile_verified: bool = False
    ip_whitelist: IpList = Field(default_factory=list)
    enabled: bool = True
    apply_at: datetime | None = None


class ContactUpdate(ContactFields):
    # NotClearable[X]: may be left out, not cleared (null is "cannot be empty")
    name: NotClearable[Name] = None
    email: NotClearable[Email] = None
    phone: Phone = None
    mobile: Phone = None
    contact_type: NotClearable[ContactType] = None
    public_notes: Notes | None = None
    private_notes: Notes | None = None
    email_verified: NotClearable[bool] = None
    mobile_verified: NotClearable[bool] = None
    ip_whitelist: IpList | None = None
    enabled: NotClearable[bool] = None
    apply_at: datetime | None = None


class PasswordChange(Input):
    model_config = ConfigDict(extra="forbid")

    auto_generate: bool = True
    password: str | None = None


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    customer_name: str
    name: str
    email: str
    phone: str | None
    mobile: str | None
    contact_type: ContactType
    public_notes: str
    private_notes: str | None
    email_verified: bool
    mobile_verified: bool
    ip_whitelist: list[str]
    enabled: bool
    has_password: bool
    created_at: datetime
    updated_at: datetime


class ContactList(BaseModel):
    items: list[ContactOut]
    total: int
