"""HTTP Basic credentials of SIP servers: FreeSWITCH's mod_json_cdr (`cred`) and mod_xml_curl
(`gateway-credentials`) can send no other. The password is an API token of role switch; the
user name is anything. Basic is taken from switch tokens only: a person's token, or a session,
sent as a password is refused as if unknown, so that only a SIP server's one-purpose token ever
sits in a switch's configuration file."""

from __future__ import annotations

from sqlalchemy.orm import Session

from carrierdesk.auth.permissions import SWITCH
from carrierdesk.auth.principals import Principal, Via
from carrierdesk.auth.service import resolve

NOT_A_SWITCH_TOKEN = (
    "HTTP Basic credentials are taken from SIP servers only: any user name, and an API token of "
    "role switch as the password. Send other tokens as a bearer token."
)


def switch_principal(session: Session, password: str, via: Via = "api") -> Principal | None:
    """The switch token sent as HTTP Basic's password, or None (unknown, expired, revoked, or
    not a switch token)."""
    if not password.startswith("cdt_"):  # API tokens only: never a session's secret
        return None
    found = resolve(session, password, via)
    if found is None or found[0].kind != "token" or found[0].role != SWITCH:
        return None
    return found[0]
