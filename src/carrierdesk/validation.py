"""Field rules shared by several forms and APIs (phones, IP lists, currencies)."""

from __future__ import annotations

import ipaddress

import phonenumbers

from carrierdesk.config import get_settings

# ISO 4217 codes in use; a carrier bills in one of these.
CURRENCIES = frozenset(
    [
        "AED",
        "ARS",
        "AUD",
        "BDT",
        "BGN",
        "BHD",
        "BRL",
        "CAD",
        "CHF",
        "CLP",
        "CNY",
        "COP",
        "CZK",
        "DKK",
        "EGP",
        "EUR",
        "GBP",
        "GHS",
        "HKD",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "ISK",
        "JOD",
        "JPY",
        "KES",
        "KRW",
        "KWD",
        "LKR",
        "MAD",
        "MXN",
        "MYR",
        "NGN",
        "NOK",
        "NZD",
        "OMR",
        "PEN",
        "PHP",
        "PKR",
        "PLN",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "SAR",
        "SEK",
        "SGD",
        "THB",
        "TND",
        "TRY",
        "TWD",
        "UAH",
        "USD",
        "UYU",
        "VND",
        "XAF",
        "XOF",
        "ZAR",
    ]
)
# Minor units that differ from 2 (ISO 4217).
MINOR_UNITS = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "ISK": 0,
    "CLP": 0,
    "XAF": 0,
    "XOF": 0,
    "BHD": 3,
    "JOD": 3,
    "KWD": 3,
    "OMR": 3,
    "TND": 3,
}


def minor_unit(currency: str) -> int:
    return MINOR_UNITS.get(currency, 2)


def normalise_currency(value: str) -> str:
    code = value.strip().upper()
    if code not in CURRENCIES:
        raise ValueError("must be an ISO 4217 currency code such as USD, EUR or GBP")
    return code


def normalise_phone(value: str | None) -> str | None:
    """E.164 (+442071234567), or ValueError with a message a person can act on."""
    if value is None or not value.strip():
        return None
    region = get_settings().default_phone_region
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValueError(
            "is not a phone number; write it in international format, e.g. +442071234567"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number (check the country code and the digits)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_ip_or_cidr(value: str) -> str:
    """An IPv4/IPv6 address or CIDR range, normalised (host bits cleared, /32 and /128 dropped)."""
    text = value.strip()
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(f"'{text}' is not an IP address or CIDR range") from None
    if network.num_addresses == 1:
        return str(network.network_address)
    return str(network)


def normalise_ip_list(values: list[str] | None) -> list[str]:
    seen: list[str] = []
    for value in values or []:
        if not value.strip():
            continue
        normalised = normalise_ip_or_cidr(value)
        if normalised not in seen:
            seen.append(normalised)
    return seen


def check_email(value: str) -> str:
    """A valid address, kept as typed (only trimmed): PRODUCT.md §2 stores emails as entered."""
    from email_validator import EmailNotValidError, validate_email

    text = value.strip()
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"is not a valid email address: {exc}") from None
    return text
