"""What FreeSWITCH sends and what it reads back, for the tests of /api/v1/switch.

The directory request is rebuilt from FreeSWITCH's own sources, as no FreeSWITCH runs here:
- mod_xml_curl.c (xml_url_fetch) posts `hostname`, `section`, `tag_name`, `key_name`,
  `key_value`, then every header of the lookup's REQUEST_PARAMS event (Event-Name, Core-UUID,
  FreeSWITCH-Hostname, … Event-Sequence), url-encoded, as application/x-www-form-urlencoded;
  an absent value is sent empty; credentials only as HTTP Basic (`gateway-credentials`);
- sofia_reg.c (sofia_reg_parse_auth) adds, for a REGISTER's digest: `action=sip_auth`,
  `sip_profile`, `sip_user_agent`, `sip_auth_username`, `sip_auth_realm`, `sip_auth_nonce`,
  `sip_auth_uri`, the Contact, To, Via, From, Call-ID and request-URI parts, the request's
  X- headers, `sip_auth_qop`, `sip_auth_cnonce`, `sip_auth_nc`, `sip_auth_response`,
  `sip_auth_method`, `client_port`;
- switch_xml.c (switch_xml_locate_user) adds `key=id`, `user`, `domain` and `ip`, then asks
  for section `directory`, tag `domain`, key `name`, value the domain.
It answers with the XML of freeswitch/xml documents (`<document type="freeswitch/xml">`), and
reads a user's `a1-hash` param and `<variables>`; "not found" is
`<section name="result"><result status="not found"/></section>`.
"""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient

DIRECTORY = "/api/v1/switch/freeswitch/directory"
FORM = "application/x-www-form-urlencoded"


def register_form(
    username: str, realm: str, *, without: tuple[str, ...] = (), **over: str
) -> list[tuple[str, str]]:
    """The fields mod_xml_curl posts when a phone's REGISTER carries its digest response, in
    the order FreeSWITCH sends them; `over` replaces values, `without` leaves fields out."""
    fields = [
        ("hostname", "fs1.carrier.example"),
        ("section", "directory"),
        ("tag_name", "domain"),
        ("key_name", "name"),
        ("key_value", realm),
        ("Event-Name", "REQUEST_PARAMS"),
        ("Core-UUID", "7f4de4bc-17d7-11dd-b7a0-db4edd065621"),
        ("FreeSWITCH-Hostname", "fs1.carrier.example"),
        ("FreeSWITCH-Switchname", "fs1"),
        ("FreeSWITCH-IPv4", "192.0.2.10"),
        ("FreeSWITCH-IPv6", "::1"),
        ("Event-Date-Local", "2026-12-02 10:15:02"),
        ("Event-Date-GMT", "Wed, 02 Dec 2026 10:15:02 GMT"),
        ("Event-Date-Timestamp", "1796292902123456"),
        ("Event-Calling-File", "sofia_reg.c"),
        ("Event-Calling-Function", "sofia_reg_parse_auth"),
        ("Event-Calling-Line-Number", "2812"),
        ("Event-Sequence", "4711"),
        ("action", "sip_auth"),
        ("sip_profile", "internal"),
        ("sip_user_agent", "Yealink SIP-T46S 66.86.0.15"),
        ("sip_auth_username", username),
        ("sip_auth_realm", realm),
        ("sip_auth_nonce", "9e2b6a3c-3f7e-4b8e-9f0c-5b2d1a7c4e11"),
        ("sip_auth_uri", f"sip:{realm}"),
        ("sip_contact_user", username),
        ("sip_contact_host", "198.51.100.23"),
        ("sip_to_user", username),
        ("sip_to_host", realm),
        ("sip_via_protocol", "udp"),
        ("sip_from_user", username),
        ("sip_from_host", realm),
        ("sip_call_id", "3c26700e5b2f-7g9xqakm2s1d@198.51.100.23"),
        ("sip_request_host", realm),
        ("X-Carrier-Trace", "a&b=c d"),
        ("sip_auth_qop", "auth"),
        ("sip_auth_cnonce", "0a4f113b"),
        ("sip_auth_nc", "00000001"),
        ("sip_auth_response", "6629fae49393a05397450978507c4ef1"),
        ("sip_auth_method", "REGISTER"),
        ("client_port", "5060"),
        ("key", "id"),
        ("user", username),
        ("domain", realm),
        ("ip", "198.51.100.23"),
    ]
    unknown = ({*over, *without}) - {name for name, _ in fields}
    assert not unknown, f"not a field FreeSWITCH sends: {unknown}"
    return [(n, over.get(n, v)) for n, v in fields if n not in without]


def basic(token: str, user: str = "freeswitch") -> dict[str, str]:
    """What mod_xml_curl sends for `gateway-credentials` "user:token" (curl, HTTP Basic)."""
    pair = base64.b64encode(f"{user}:{token}".encode()).decode()
    return {"Authorization": f"Basic {pair}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Switch:
    """FreeSWITCH's side of the endpoint: posts a form, reads the XML."""

    client: TestClient
    token: str

    def post(self, fields: Any, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            DIRECTORY,
            content=encode(fields),
            headers={"Content-Type": FORM, **(basic(self.token) if headers is None else headers)},
        )

    def lookup(self, fields: Any) -> ET.Element:
        """The parsed answer to a lookup, after checking it is XML answered 200."""
        response = self.post(fields)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/xml"), response.headers
        return ET.fromstring(response.content)


def encode(fields: Any) -> str:
    """application/x-www-form-urlencoded, as FreeSWITCH builds it for libcurl to post."""
    return urlencode(fields)
