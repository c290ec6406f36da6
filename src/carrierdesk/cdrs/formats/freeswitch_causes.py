"""FreeSWITCH's hangup causes and the SIP response each stands for (docs/cdr-formats.md).

The table is FreeSWITCH's own: mod_sofia's `hangup_cause_to_sip` (the code FreeSWITCH itself
answers an INVITE with when a call ends with that cause, after RFC 4497 §8.4.1 / RFC 3398),
with its default, 480, for every other cause. The names are those of switch_channel.c's
CAUSE_CHART; a newer FreeSWITCH may add causes, so any name of that form is a cause (480),
while a value of another form (empty, a number, lower case) is not one.
"""

from __future__ import annotations

import re

ANSWERED = 200  # an answered call's INVITE got a 2xx, whatever ended the call later
DEFAULT = 480  # mod_sofia's default: Temporarily Unavailable
SIP_CODES: dict[str, int] = {
    "UNALLOCATED_NUMBER": 404,
    "NO_ROUTE_TRANSIT_NET": 404,
    "NO_ROUTE_DESTINATION": 404,
    "USER_BUSY": 486,
    "NO_USER_RESPONSE": 408,
    "NO_ANSWER": 480,
    "SUBSCRIBER_ABSENT": 480,
    "CALL_REJECTED": 603,
    "NUMBER_CHANGED": 410,
    "REDIRECTION_TO_NEW_DESTINATION": 410,
    "DESTINATION_OUT_OF_ORDER": 502,
    "INVALID_PROFILE": 502,
    "INVALID_NUMBER_FORMAT": 484,
    "INVALID_URL": 484,
    "INVALID_GATEWAY": 484,
    "FACILITY_REJECTED": 501,
    "NORMAL_UNSPECIFIED": 480,
    "REQUESTED_CHAN_UNAVAIL": 503,
    "NORMAL_CIRCUIT_CONGESTION": 503,
    "NETWORK_OUT_OF_ORDER": 503,
    "NORMAL_TEMPORARY_FAILURE": 503,
    "SWITCH_CONGESTION": 503,
    "GATEWAY_DOWN": 503,
    "OUTGOING_CALL_BARRED": 403,
    "INCOMING_CALL_BARRED": 403,
    "BEARERCAPABILITY_NOTAUTH": 403,
    "BEARERCAPABILITY_NOTAVAIL": 503,
    "BEARERCAPABILITY_NOTIMPL": 488,
    "INCOMPATIBLE_DESTINATION": 488,
    "FACILITY_NOT_IMPLEMENTED": 501,
    "SERVICE_NOT_IMPLEMENTED": 501,
    "RECOVERY_ON_TIMER_EXPIRE": 504,
    "ORIGINATOR_CANCEL": 487,
    "EXCHANGE_ROUTING_ERROR": 483,
}
_CAUSE = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")


def is_cause(value: str) -> bool:
    return bool(_CAUSE.match(value))


def sip_code(cause: str, answered: bool) -> int:
    """The final SIP response of a call that ended with `cause` (a valid name)."""
    if answered:
        return ANSWERED
    return SIP_CODES.get(cause, DEFAULT)
