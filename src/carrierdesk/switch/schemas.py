"""The form mod_xml_curl posts for a directory lookup (application/x-www-form-urlencoded).

FreeSWITCH sends many more fields than these (hostname, Event-Name, Core-UUID, sip_auth_nonce,
X- headers of the REGISTER, ...): they are accepted and ignored. It sends an absent value as
an empty one (`tag_name=&key_name=`), so "" means absent here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class DirectoryRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    section: str = Field("", description="`directory`; any other section is not found")
    tag_name: str = Field("", description="`domain`")
    key_name: str = Field("", description="`name`")
    key_value: str = Field("", description="the domain (used when `domain` is absent)")
    key: str = Field("", description="`id`: users are looked up by their id")
    user: str = Field("", description="the SIP username (when absent: `sip_auth_username`)")
    domain: str = Field(
        "", description="the domain, i.e. the realm (when absent: `sip_auth_realm`)"
    )
    action: str = Field("", description="`sip_auth`, `user_call`, `message-count`, …")
    purpose: str = Field("", description="`gateways`, `network-list` (no user: not found)")
    sip_auth_username: str = ""
    sip_auth_realm: str = ""
    hostname: str = Field("", description="the FreeSWITCH host asking")


DIRECTORY_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {**DirectoryRequest.model_json_schema(), "additionalProperties": True}
            }
        },
    }
}
