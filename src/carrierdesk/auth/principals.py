"""Who is acting: a Control Panel user, an API token, a portal contact or the system itself."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

PrincipalKind = Literal["user", "token", "contact", "system"]
Via = Literal["web", "api", "portal", "cli", "worker"]


@dataclass(frozen=True)
class Principal:
    kind: PrincipalKind
    id: int | None
    name: str
    role: str | None = None  # admin / operator / viewer for users and tokens; switch (tokens)
    customer_id: int | None = None  # set for contacts: the only customer they may see
    on_behalf_of: str | None = None  # impersonation: the contact an operator acts as
    ip: str | None = None
    via: Via = "api"
    session_id: int | None = None
    comment: str | None = None  # the reason given for this change (Audit Comment)

    @property
    def is_contact(self) -> bool:
        return self.kind == "contact"

    @property
    def impersonator(self) -> str | None:
        """The operator acting through Portal Login, when this is an impersonation."""
        return self.on_behalf_of and self.name

    def impersonated(self, operator: str) -> Principal:
        """This contact's principal as used by `operator` through Portal Login: audited with
        the operator as actor and the contact as on-behalf-of."""
        return replace(self, name=operator, on_behalf_of=self.name)

    def with_request(self, *, ip: str | None, comment: str | None = None) -> Principal:
        return replace(self, ip=ip, comment=comment)


SYSTEM = Principal(kind="system", id=None, name="system", role="admin", via="worker")
CLI = Principal(kind="system", id=None, name="cli", role="admin", via="cli")
