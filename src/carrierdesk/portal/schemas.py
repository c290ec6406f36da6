from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from carrierdesk.contacts.schemas import Name, Phone


class ProfileUpdate(BaseModel):
    """What a contact may change of itself: name, phone, mobile (email is read-only)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    phone: Phone = None
    mobile: Phone = None


class PasswordUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str
    new_password: str
