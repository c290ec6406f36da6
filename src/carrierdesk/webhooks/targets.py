"""Where a webhook may be posted: http(s) URLs only, and never into the carrier's own network
(loopback, private, link-local, shared, unspecified, multicast or reserved addresses) unless
`webhooks_allow_private_targets` (CARRIERDESK_WEBHOOKS_ALLOW_PRIVATE_TARGETS) says so.

The address rule is checked when an endpoint is saved and again at every delivery, on the
addresses the host resolves to then; the delivery connects to the address it checked (see
`resolve`), so a name that resolves to a public address at the check and a private one a moment
later (DNS rebinding) cannot slip through.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from carrierdesk.config import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = ("http", "https")
MAX_URL = 2000


class TargetRefused(Exception):
    """The URL or the addresses it resolves to may not be posted to; the message says why."""


def url_problem(url: str) -> str | None:
    """What is wrong with a webhook URL's form (a message for "url: …"), or None."""
    if len(url) > MAX_URL:
        return f"must be at most {MAX_URL} characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme.lower() not in SCHEMES:
        return "must be an http:// or https:// URL"
    if not parts.hostname:
        return "must name a host (https://host/path)"
    if any(c.isspace() for c in url):
        return "must not contain spaces"
    if parts.fragment:
        return "must not have a #fragment (it is never sent)"
    return None


def address_problem(address: IPAddress) -> str | None:
    """Why posting to this address is refused (None: it is a public address)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for kind in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):
        if getattr(address, f"is_{kind}"):
            return f"{address} is a {kind.replace('_', '-')} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


@dataclass(frozen=True)
class Target:
    """A URL's host, port and the one address a delivery connects to."""

    host: str
    port: int
    address: IPAddress


def resolve(url: str) -> Target:
    """The address to post `url` to, after the address rule; TargetRefused says why not."""
    problem = url_problem(url)
    if problem:
        raise TargetRefused(f"the URL {problem}")
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    addresses = _addresses(host, port)
    if not get_settings().webhooks_allow_private_targets:
        for address in addresses:
            if (why := address_problem(address)) is not None:
                raise TargetRefused(
                    f"{host} resolves to {why}; such targets are refused unless "
                    "CARRIERDESK_WEBHOOKS_ALLOW_PRIVATE_TARGETS is set"
                )
    return Target(host, port, addresses[0])


def _addresses(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"{host} cannot be resolved ({exc})") from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise TargetRefused(f"{host} has no address")
    return addresses
