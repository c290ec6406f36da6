"""Field rules of the parties of an e-invoice (seller in Settings › Invoicing, buyer on each
customer): country codes, VAT identifiers, IBAN and BIC, checked as EN 16931 and the issuing
countries define them (python-stdnum holds the national checksums)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field
from stdnum import bic, iban, vatin
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from carrierdesk.validation import check_email

# ISO 3166-1 alpha-2, the list of the EN 16931 code list rule BR-CL-14.
COUNTRIES = frozenset(
    [
        "AD",
        "AE",
        "AF",
        "AG",
        "AI",
        "AL",
        "AM",
        "AO",
        "AQ",
        "AR",
        "AS",
        "AT",
        "AU",
        "AW",
        "AX",
        "AZ",
        "BA",
        "BB",
        "BD",
        "BE",
        "BF",
        "BG",
        "BH",
        "BI",
        "BJ",
        "BL",
        "BM",
        "BN",
        "BO",
        "BQ",
        "BR",
        "BS",
        "BT",
        "BV",
        "BW",
        "BY",
        "BZ",
        "CA",
        "CC",
        "CD",
        "CF",
        "CG",
        "CH",
        "CI",
        "CK",
        "CL",
        "CM",
        "CN",
        "CO",
        "CR",
        "CU",
        "CV",
        "CW",
        "CX",
        "CY",
        "CZ",
        "DE",
        "DJ",
        "DK",
        "DM",
        "DO",
        "DZ",
        "EC",
        "EE",
        "EG",
        "EH",
        "ER",
        "ES",
        "ET",
        "FI",
        "FJ",
        "FK",
        "FM",
        "FO",
        "FR",
        "GA",
        "GB",
        "GD",
        "GE",
        "GF",
        "GG",
        "GH",
        "GI",
        "GL",
        "GM",
        "GN",
        "GP",
        "GQ",
        "GR",
        "GS",
        "GT",
        "GU",
        "GW",
        "GY",
        "HK",
        "HM",
        "HN",
        "HR",
        "HT",
        "HU",
        "ID",
        "IE",
        "IL",
        "IM",
        "IN",
        "IO",
        "IQ",
        "IR",
        "IS",
        "IT",
        "JE",
        "JM",
        "JO",
        "JP",
        "KE",
        "KG",
        "KH",
        "KI",
        "KM",
        "KN",
        "KP",
        "KR",
        "KW",
        "KY",
        "KZ",
        "LA",
        "LB",
        "LC",
        "LI",
        "LK",
        "LR",
        "LS",
        "LT",
        "LU",
        "LV",
        "LY",
        "MA",
        "MC",
        "MD",
        "ME",
        "MF",
        "MG",
        "MH",
        "MK",
        "ML",
        "MM",
        "MN",
        "MO",
        "MP",
        "MQ",
        "MR",
        "MS",
        "MT",
        "MU",
        "MV",
        "MW",
        "MX",
        "MY",
        "MZ",
        "NA",
        "NC",
        "NE",
        "NF",
        "NG",
        "NI",
        "NL",
        "NO",
        "NP",
        "NR",
        "NU",
        "NZ",
        "OM",
        "PA",
        "PE",
        "PF",
        "PG",
        "PH",
        "PK",
        "PL",
        "PM",
        "PN",
        "PR",
        "PS",
        "PT",
        "PW",
        "PY",
        "QA",
        "RE",
        "RO",
        "RS",
        "RU",
        "RW",
        "SA",
        "SB",
        "SC",
        "SD",
        "SE",
        "SG",
        "SH",
        "SI",
        "SJ",
        "SK",
        "SL",
        "SM",
        "SN",
        "SO",
        "SR",
        "SS",
        "ST",
        "SV",
        "SX",
        "SY",
        "SZ",
        "TC",
        "TD",
        "TF",
        "TG",
        "TH",
        "TJ",
        "TK",
        "TL",
        "TM",
        "TN",
        "TO",
        "TR",
        "TT",
        "TV",
        "TW",
        "TZ",
        "UA",
        "UG",
        "UM",
        "US",
        "UY",
        "UZ",
        "VA",
        "VC",
        "VE",
        "VG",
        "VI",
        "VN",
        "VU",
        "WF",
        "WS",
        "YE",
        "YT",
        "ZA",
        "ZM",
        "ZW",
    ]
)
# A VAT identifier starts with the issuing country (BR-CO-09): Greece writes EL, Northern
# Ireland XI.
VAT_PREFIXES = COUNTRIES | {"EL", "XI"}
_VAT_SHAPE = re.compile(r"^[A-Z]{2}[A-Z0-9]{2,18}$")
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$")


def _blank_is_none(value: object) -> object:
    return value.strip() or None if isinstance(value, str) else value


def normalise_country(value: str) -> str:
    code = value.strip().upper()
    if code not in COUNTRIES:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as DE, FR or GB")
    return code


def normalise_vat_id(value: str) -> str:
    """The compact VAT identifier (DE136695976): its country's checksum when python-stdnum knows
    that country, else the shape EN 16931 asks for (a country prefix, then letters and digits)."""
    text = re.sub(r"[\s.\-/]", "", value).upper()
    if text[:2] not in VAT_PREFIXES:
        raise ValueError(
            "must start with the issuing country's ISO code (e.g. DE136695976; Greece: EL)"
        )
    try:
        return str(vatin.validate(text))
    except InvalidChecksum:
        raise ValueError(f"{text} is not a valid VAT number (wrong check digits)") from None
    except InvalidComponent:
        if not _VAT_SHAPE.match(text):
            raise ValueError(
                f"{text} is not a VAT number: the country code, then 2 to 18 letters or digits"
            ) from None
        return text  # a country python-stdnum has no rule for: its shape is all we can check
    except ValidationError:
        raise ValueError(f"{text} is not a valid VAT number for {text[:2]}") from None


def normalise_iban(value: str) -> str:
    if not _IBAN_SHAPE.match(iban.compact(value)):
        raise ValueError("is not an IBAN (e.g. DE89 3704 0044 0532 0130 00)")
    try:
        return str(iban.validate(value))
    except InvalidChecksum:
        raise ValueError("is not a valid IBAN (wrong check digits)") from None
    except ValidationError:
        raise ValueError("is not an IBAN (e.g. DE89 3704 0044 0532 0130 00)") from None


def normalise_bic(value: str) -> str:
    try:
        return str(bic.validate(value))
    except ValidationError:
        raise ValueError("is not a BIC (8 or 11 letters and digits, e.g. DEUTDEFF)") from None


def _none_or(check: Callable[[str], str]) -> AfterValidator:
    def run(value: str | None) -> str | None:
        return None if value is None else check(value)

    return AfterValidator(run)


def _optional_text(max_length: int, check: Callable[[str], str] | None = None) -> Any:
    """An optional text field: empty or blank is None (unset), else at most max_length."""
    checks = (_none_or(check),) if check else ()
    return Annotated[
        Annotated[str, Field(max_length=max_length)] | None,
        BeforeValidator(_blank_is_none),
        *checks,
    ]


Country = _optional_text(2 + 20, normalise_country)
VatId = _optional_text(40, normalise_vat_id)
Iban = _optional_text(42, normalise_iban)
Bic = _optional_text(11, normalise_bic)
Email = _optional_text(320, check_email)
PartyText = _optional_text(200)
ShortText = _optional_text(100)
Postcode = _optional_text(20)
