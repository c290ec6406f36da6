"""Native CDR formats: what switches write, as canonical CDRs (docs/cdr-formats.md).

Each format turns a native row into a canonical record (CDR.md's columns as text, no charge:
carrierdesk rates it, docs/rating.md) or into the reasons it does not map, each naming the
native field; the records then go through cdrs/service.py exactly as canonical rows do.
`canonical` itself is not here: its files and bodies take their own, faster path.

- native.py            what the formats share: NativeRecord, local times in a zone, the
                       rejections reported with the native row (NativeImport, describe)
- freeswitch_json.py   mod_json_cdr's document (raw, or `cdr=` url-encoded or base64)
- freeswitch_csv.py    mod_cdr_csv's Master.csv (the example / built-in template)
- freeswitch_causes.py FreeSWITCH's hangup causes → SIP codes (mod_sofia's own table)
- asterisk_csv.py      cdr_csv's Master.csv
- kamailio.py          a CSV export of kamailio_cdrs, through cdrs/kamailio.py canonical()

This module is the registry. It imports the formats only when one is asked for, so that the
command line starts without them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from carrierdesk.errors import Invalid

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from carrierdesk.cdrs.formats.native import NativeFormat

CANONICAL = "canonical"
# The names, here for the command line's help (which must not load the formats); the registry
# below is the formats themselves (test_cdr_format_kamailio.py holds the two together).
NAMES = (CANONICAL, "kamailio", "freeswitch-csv", "freeswitch-json", "asterisk-csv")


def formats() -> dict[str, NativeFormat]:
    """The registry: every native format by its name."""
    from carrierdesk.cdrs.formats import asterisk_csv, freeswitch_csv, freeswitch_json, kamailio

    found: tuple[NativeFormat, ...] = (
        kamailio.FORMAT,
        freeswitch_csv.FORMAT,
        freeswitch_json.FORMAT,
        asterisk_csv.FORMAT,
    )
    return {f.name: f for f in found}


def native_format(name: str) -> NativeFormat | None:
    """The format called `name`; None for canonical; 422 naming `format` for any other."""
    if name == CANONICAL:
        return None
    found = formats().get(name)
    if found is None:
        raise Invalid.field("format", f"must be one of {', '.join(NAMES)}")
    return found


def time_zone(name: str | None, fmt: NativeFormat | None) -> ZoneInfo:
    """The switch's time zone for a format whose times carry none (UTC when not given); a zone
    given for any other format, or one that is not an IANA name, is a 422 naming `timezone`."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if name is None:
        return ZoneInfo("UTC")
    if fmt is None or not fmt.zoned:
        zoned = ", ".join(f.name for f in formats().values() if f.zoned)
        which = fmt.name if fmt is not None else CANONICAL
        raise Invalid.field(
            "timezone",
            f"is for the formats whose times carry no zone ({zoned}); "
            f"{which} times are UTC or carry their offset",
        )
    try:
        if not name or name != name.strip() or ".." in name or name.startswith("/"):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise Invalid.field(
            "timezone", f"{name!r} is not a time zone: an IANA name such as Europe/Berlin or UTC"
        ) from None
