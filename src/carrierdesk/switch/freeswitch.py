"""FreeSWITCH's user directory over mod_xml_curl: the answer to the lookup a REGISTER (or a call
to user/…, or a voicemail count) makes.

The SIP user is read from the view `sip_accounts` (sipauth/server_views.py), which holds the
one rule of who a SIP server sees (an enabled SIP user of an `active` customer): nothing here
repeats it. A user the view does not show, a realm that is not the user's, or a request for
anything but one user of the directory is answered with FreeSWITCH's "not found" result.
The answer is never marked `cacheable`, so a change in carrierdesk counts at the next REGISTER.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element, SubElement, tostring

from sqlalchemy import Integer, Select, String, column, select, table
from sqlalchemy.orm import Session

from carrierdesk.auth.permissions import require_switch
from carrierdesk.auth.principals import Principal
from carrierdesk.switch.schemas import DirectoryRequest
from carrierdesk.validation import text_problem

USER_CONTEXT = "carrierdesk"  # the dialplan context of calls from these users

SIP_ACCOUNTS = table(
    "sip_accounts",
    column("customer_id", Integer),
    column("username", String),
    column("realm", String),
    column("ha1", String),
    column("channels", Integer),
    column("cps", Integer),
)


@dataclass(frozen=True)
class Account:
    customer_id: int
    username: str
    realm: str
    ha1: str
    channels: int  # 0: unlimited
    cps: int  # 0: unlimited


def directory(session: Session, principal: Principal, request: DirectoryRequest) -> str:
    """The XML document FreeSWITCH expects: the user, or the "not found" result."""
    require_switch(principal)
    wanted = wanted_user(request)
    account = find_account(session, *wanted) if wanted else None
    return user_document(account) if account else NOT_FOUND


def wanted_user(request: DirectoryRequest) -> tuple[str, str] | None:
    """(username, realm) a directory request asks for, or None when it asks for no one user
    (another section; a domain-wide lookup such as `purpose=gateways`)."""
    if request.section != "directory":
        return None
    username = request.user or request.sip_auth_username
    realm = request.domain or request.sip_auth_realm or request.key_value
    if not username or not realm or text_problem(username) or text_problem(realm):
        return None  # no stored name has control characters (nor can PostgreSQL compare NUL)
    return username, realm


def find_account(session: Session, username: str, realm: str) -> Account | None:
    row = session.execute(account_query(username, realm)).one_or_none()
    if row is None:
        return None
    return Account(
        customer_id=row.customer_id,
        username=row.username,
        realm=row.realm,
        ha1=row.ha1,
        channels=row.channels or 0,
        cps=row.cps or 0,
    )


def account_query(username: str, realm: str) -> Select[tuple[int, str, str, str, int, int]]:
    """One indexed read (sip_users.username is unique)."""
    accounts = SIP_ACCOUNTS.c
    return select(
        accounts.customer_id,
        accounts.username,
        accounts.realm,
        accounts.ha1,
        accounts.channels,
        accounts.cps,
    ).where(accounts.username == username, accounts.realm == realm)


def user_document(account: Account) -> str:
    document, section = _document("directory")
    domain = SubElement(section, "domain", name=account.realm)
    user = SubElement(domain, "user", id=account.username)
    params = SubElement(user, "params")
    SubElement(params, "param", name="a1-hash", value=account.ha1)
    variables = SubElement(user, "variables")
    for name, value in _variables(account):
        SubElement(variables, "variable", name=name, value=value)
    return tostring(document, encoding="unicode")


def _variables(account: Account) -> list[tuple[str, str]]:
    customer = str(account.customer_id)
    return [
        ("user_context", USER_CONTEXT),
        ("carrierdesk_customer_id", customer),
        ("carrierdesk_channels", str(account.channels)),
        ("carrierdesk_cps", str(account.cps)),
        ("accountcode", customer),
    ]


def _document(section_name: str) -> tuple[Element, Element]:
    document = Element("document", type="freeswitch/xml")
    return document, SubElement(document, "section", name=section_name)


def _not_found() -> str:
    document, section = _document("result")
    SubElement(section, "result", status="not found")
    return tostring(document, encoding="unicode")


NOT_FOUND = _not_found()
