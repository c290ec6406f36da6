from __future__ import annotations

from pydantic import ConfigDict

from carrierdesk.contacts.schemas import Name, Phone
from carrierdesk.validation import Input


class ProfileUpdate(Input):
    """What a contact may change of itself: name, phone, mobile (email is read-only)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name
    phone: Phone = None
    mobile: Phone = None


class PasswordUpdate(Input):
    model_config = ConfigDict(extra="forbid")

    current_password: str
    new_password: str
