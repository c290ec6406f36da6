"""`carrierdesk sip kamailio-config`: a complete kamailio.cfg wired to carrierdesk's database.

The routing logic is kamailio.cfg beside this file; what belongs to one installation (where to
listen, the database, the realm, where calls go) is put in front of it as `#!define`s."""

from __future__ import annotations

import re
from importlib.resources import files

from sqlalchemy.engine import make_url

from carrierdesk.errors import Invalid
from carrierdesk.sipauth.grants import require_postgresql

LISTEN = re.compile(r"(udp|tcp|tls):(\[[0-9a-fA-F:.]+\]|[0-9.]+|[A-Za-z0-9.-]+):\d{1,5}")
URI = re.compile(r"sip:[A-Za-z0-9.\-\[\]:]+(;transport=(udp|tcp|tls))?")
REALM = re.compile(r"[A-Za-z0-9.\-]+")


def kamailio_url(database_url: str) -> str:
    """carrierdesk's SQLAlchemy URL as Kamailio's db_postgres wants it."""
    require_postgresql(database_url, "Kamailio reads the views through db_postgres")
    url = make_url(database_url)
    who = url.username or ""
    if url.password:
        who += ":" + url.password
    host = url.host or "127.0.0.1"
    port = f":{url.port}" if url.port else ""
    return f"postgres://{who}{'@' if who else ''}{host}{port}/{url.database}"


def kamailio_config(database_url: str, realm: str, listen: str, outbound: str | None) -> str:
    """The whole kamailio.cfg; `outbound` is where calls to anyone not registered here go."""
    if not LISTEN.fullmatch(listen):
        raise Invalid.field("listen", "must look like udp:IP:PORT (or tcp:, tls:)")
    if outbound is not None and not URI.fullmatch(outbound):
        raise Invalid.field("outbound", "must be a SIP URI like sip:192.0.2.10:5060")
    if not REALM.fullmatch(realm):
        raise Invalid.field("sip_realm", "must be a host name (letters, digits, dots, dashes)")
    db = kamailio_url(database_url)
    if '"' in db or "\n" in db:
        raise Invalid.field("database_url", "must not contain quotes or line breaks")
    defines = [
        "#!KAMAILIO",
        "# Made by `carrierdesk sip kamailio-config`; run with: kamailio -DD -E -f FILE",
        f'#!define DBURL "{db}"',
        f'#!define SQLCON "carrierdesk=>{db}"',
        f'#!define REALM "{realm}"',
        f"#!define LISTEN {listen}",
    ]
    if outbound:
        defines.append(f'#!define OUTBOUND "{outbound}"')
    body = files("carrierdesk.sipauth").joinpath("kamailio.cfg").read_text(encoding="utf-8")
    return "\n".join(defines) + "\n\n" + body
