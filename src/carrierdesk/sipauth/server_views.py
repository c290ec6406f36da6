"""The views SIP servers read: who may register and call, in the layouts the servers know.

One rule decides what a SIP server sees, written once in `sip_accounts` and `sip_peers`: a SIP
user that is enabled, or an IP entry, and whose customer is `active`. Every server layout
(Kamailio/OpenSIPS `subscriber` and `address`, Asterisk PJSIP realtime) and the FreeSWITCH
directory endpoint read through those two.

Text columns are cast to `varchar`: Kamailio's PostgreSQL driver reads `text` as a blob and
refuses the record. The views are dropped before every migration run and created again after it
(migrations/env.py), so that a later migration may alter any column they use.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, text

# The versions Kamailio 5.x checks for its `subscriber` and `address` tables; OpenSIPS 3.x
# checks its own (address 5), so it has its own version view.
KAMAILIO_VERSIONS = {"sip_subscriber": 7, "sip_address": 6, "sip_version": 1}
OPENSIPS_VERSIONS = {"sip_subscriber": 7, "sip_address": 5, "sip_version_opensips": 1}
SENDS_CALLS, RECEIVES_CALLS = 1, 2  # the address groups: calls from the customer / to it


@dataclass(frozen=True)
class View:
    name: str
    postgresql: str
    sqlite: str

    def sql(self, dialect: str) -> str:
        return self.postgresql if dialect == "postgresql" else self.sqlite


def _both(name: str, body: str, **dialects: dict[str, str]) -> View:
    """A view whose body differs between the databases only in the fragments named."""
    pg = body.format(**{k: v["postgresql"] for k, v in dialects.items()})
    lite = body.format(**{k: v["sqlite"] for k, v in dialects.items()})
    return View(name, pg, lite)


def _cidr(column: str) -> str:
    """A bare address becomes a /32 or /128: servers test membership of CIDR lists."""
    return (
        f"CASE WHEN {column} LIKE '%/%' THEN {column} WHEN {column} LIKE '%:%' "
        f"THEN {column} || '/128' ELSE {column} || '/32' END"
    )


# On PostgreSQL without a subquery: Kamailio sends literal queries, so the view is planned on
# every REGISTER, and a set-returning subquery tripled that (docs/performance.md). The entries
# are validated addresses and CIDRs: no commas, quotes or spaces of their own.
WHITELIST = {
    "postgresql": "regexp_replace(regexp_replace(translate(CAST(s.ip_whitelist AS text), "
    "'[]\" ', ''), '(^|,)([^,/]*:[^,/]*)(?=,|$)', '\\1\\2/128', 'g'), "
    "'(^|,)([^,/:]+)(?=,|$)', '\\1\\2/32', 'g')",
    "sqlite": "(SELECT group_concat({e}, ',') FROM json_each(s.ip_whitelist) AS w)".format(
        e=_cidr("w.value")
    ),
}
ADDRESS = {
    "postgresql": "split_part(a.ip, '/', 1)",
    "sqlite": "CASE WHEN instr(a.ip, '/') > 0 THEN substr(a.ip, 1, instr(a.ip, '/') - 1)"
    " ELSE a.ip END",
}
MASK = {
    "postgresql": "CAST(split_part(a.ip, '/', 2) AS integer)",
    "sqlite": "CAST(substr(a.ip, instr(a.ip, '/') + 1) AS integer)",
}
TRUE = {"postgresql": "true", "sqlite": "1"}
VC = {"postgresql": "varchar", "sqlite": "text"}

# THE rule of what a SIP server sees, for SIP users (a scalar subquery: cheaper to plan than a
# join, and planning is what a REGISTER pays for).
VISIBLE_SIP_USER = (
    "FROM sip_users s WHERE s.enabled = {true} AND "
    "(SELECT c.status FROM customers c WHERE c.id = s.customer_id) = 'active'"
)
SIP_ACCOUNTS = _both(
    "sip_accounts",
    """SELECT s.id AS sip_user_id, s.customer_id, s.username, s.realm, s.ha1, s.ha1b,
       s.channels, s.cps, s.protocol, CAST(COALESCE({whitelist}, '') AS {vc}) AS ip_whitelist
"""
    + VISIBLE_SIP_USER,
    whitelist=WHITELIST,
    true=TRUE,
    vc=VC,
)
SIP_PEERS = _both(
    "sip_peers",
    """SELECT a.id AS ip_auth_id, a.customer_id, a.ip, CAST({address} AS {vc}) AS address,
       CASE WHEN a.ip LIKE '%/%' THEN {mask} WHEN a.ip LIKE '%:%' THEN 128 ELSE 32 END AS mask,
       a.sends_calls, a.receives_calls, a.channels, a.cps, a.protocol, a.port, a.tech_prefix
FROM ip_auth a JOIN customers c ON c.id = a.customer_id
WHERE c.status = 'active'""",
    address=ADDRESS,
    mask=MASK,
    vc=VC,
)
# Straight on the table with the same rule, not through sip_accounts: one view level less to
# plan on every REGISTER.
SIP_SUBSCRIBER = _both(
    "sip_subscriber",
    """SELECT s.id, CAST(s.username AS {vc}) AS username,
       CAST(s.realm AS {vc}) AS domain, CAST('' AS {vc}) AS password,
       CAST(s.ha1 AS {vc}) AS ha1, CAST(s.ha1b AS {vc}) AS ha1b, s.customer_id,
       COALESCE(s.channels, 0) AS channels, COALESCE(s.cps, 0) AS cps,
       CAST(s.protocol AS {vc}) AS protocol,
       CAST(COALESCE({whitelist}, '') AS {vc}) AS ip_whitelist
"""
    + VISIBLE_SIP_USER,
    vc=VC,
    whitelist=WHITELIST,
    true=TRUE,
)
# The tag (Kamailio) and context_info (OpenSIPS) carry customer|entry|channels|cps|tech prefix.
_TAG = (
    "CAST(CAST(customer_id AS {vc}) || '|' || CAST(ip_auth_id AS {vc}) || '|' "
    "|| CAST(COALESCE(channels, 0) AS {vc}) || '|' || CAST(COALESCE(cps, 0) AS {vc}) "
    "|| '|' || tech_prefix AS {vc})"
)
_ADDRESS_ROW = """SELECT ip_auth_id * 2 - {odd} AS id, {group} AS grp,
       CAST(address AS {{vc}}) AS ip_addr, CAST(address AS {{vc}}) AS ip, mask, {port} AS port,
       CAST(protocol AS {{vc}}) AS proto, CAST(NULL AS {{vc}}) AS pattern,
       {tag} AS tag, {tag} AS context_info,
       customer_id, ip_auth_id, COALESCE(channels, 0) AS channels, COALESCE(cps, 0) AS cps,
       CAST(tech_prefix AS {{vc}}) AS tech_prefix
FROM sip_peers WHERE {flag} = {{true}}"""
SIP_ADDRESS = _both(
    "sip_address",
    _ADDRESS_ROW.format(odd=1, group=SENDS_CALLS, port=0, tag=_TAG, flag="sends_calls")
    + "\nUNION ALL\n"
    + _ADDRESS_ROW.format(
        odd=0, group=RECEIVES_CALLS, port="port", tag=_TAG, flag="receives_calls"
    ),
    vc=VC,
    true=TRUE,
)


def _versions(name: str, versions: dict[str, int]) -> View:
    rows = " UNION ALL ".join(
        f"SELECT CAST('{table}' AS {{vc}}) AS table_name, {number} AS table_version"
        for table, number in versions.items()
    )
    return _both(name, rows, vc=VC)


# Asterisk PJSIP realtime (res_pjsip via sorcery): one endpoint, auth and AOR per SIP user,
# all named by the username; `accountcode` carries the customer.
PS_ENDPOINTS = _both(
    "ps_endpoints",
    """SELECT CAST(username AS {vc}) AS id, CAST('transport-' || protocol AS {vc}) AS transport,
       CAST(username AS {vc}) AS aors, CAST(username AS {vc}) AS auth,
       CAST('carrierdesk' AS {vc}) AS context, CAST('all' AS {vc}) AS disallow,
       CAST('ulaw,alaw,g722,opus' AS {vc}) AS allow, CAST('no' AS {vc}) AS direct_media,
       CAST(customer_id AS {vc}) AS accountcode,
       CAST(CASE WHEN ip_whitelist = '' THEN NULL ELSE '0.0.0.0/0,::/0' END AS {vc}) AS deny,
       CAST(NULLIF(ip_whitelist, '') AS {vc}) AS permit,
       COALESCE(channels, 0) AS device_state_busy_at
FROM sip_accounts""",
    vc=VC,
)
PS_AUTHS = _both(
    "ps_auths",
    """SELECT CAST(username AS {vc}) AS id, CAST('md5' AS {vc}) AS auth_type,
       CAST(username AS {vc}) AS username, CAST(realm AS {vc}) AS realm,
       CAST(ha1 AS {vc}) AS md5_cred, CAST(NULL AS {vc}) AS password
FROM sip_accounts""",
    vc=VC,
)
PS_AORS = _both(
    "ps_aors",
    """SELECT CAST(username AS {vc}) AS id, 1 AS max_contacts,
       CAST('yes' AS {vc}) AS remove_existing, 60 AS qualify_frequency
FROM sip_accounts""",
    vc=VC,
)

# In dependency order: each view reads only views before it.
VIEWS = (
    SIP_ACCOUNTS,
    SIP_PEERS,
    SIP_SUBSCRIBER,
    SIP_ADDRESS,
    _versions("sip_version", KAMAILIO_VERSIONS),
    _versions("sip_version_opensips", OPENSIPS_VERSIONS),
    PS_ENDPOINTS,
    PS_AUTHS,
    PS_AORS,
)
VIEW_NAMES = tuple(v.name for v in VIEWS)


def create_views(conn: Connection) -> None:
    for view in VIEWS:
        conn.execute(text(f"CREATE VIEW {view.name} AS {view.sql(conn.dialect.name)}"))


def drop_views(conn: Connection) -> bool:
    """Drops the views; True when they were there (so that they are made again after)."""
    present = existing_views(conn)
    for name in reversed(VIEW_NAMES):
        if name in present:
            conn.execute(text(f"DROP VIEW {name}"))
    return bool(present)


def existing_views(conn: Connection) -> set[str]:
    if conn.dialect.name == "postgresql":
        query = "SELECT viewname FROM pg_views WHERE schemaname = current_schema()"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'view'"
    return {row[0] for row in conn.execute(text(query))} & set(VIEW_NAMES)


# Set in `connection.info` by the migration that makes the views / takes them away.
MADE, REMOVED = "sip_views_made", "sip_views_removed"


@contextmanager
def suspended(conn: Connection) -> Iterator[None]:
    """The views out of the way while migrations alter the tables under them, then back (unless
    a downgrade took them away for good, or the migration that makes them just did)."""
    conn.info.pop(MADE, None)
    conn.info.pop(REMOVED, None)
    grants = view_grants(conn)
    was_there = drop_views(conn)
    yield
    if was_there and not conn.info.get(MADE) and not conn.info.get(REMOVED):
        create_views(conn)
        for view, grantee in grants:
            quoted = conn.dialect.identifier_preparer.quote(grantee)
            conn.execute(text(f"GRANT SELECT ON {view} TO {quoted}"))


def view_grants(conn: Connection) -> list[tuple[str, str]]:
    """Who else may read which view (the SIP servers' role): kept across a migration run."""
    if conn.dialect.name != "postgresql":
        return []
    rows = conn.execute(
        text(
            "SELECT table_name, grantee FROM information_schema.role_table_grants"
            " WHERE privilege_type = 'SELECT' AND grantee <> current_user"
            " AND table_schema = current_schema() AND table_name = ANY(:views)"
        ),
        {"views": list(VIEW_NAMES)},
    )
    return [(str(view), str(grantee)) for view, grantee in rows]
