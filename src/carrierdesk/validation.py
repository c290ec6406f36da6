"""Field rules shared by several forms and APIs (plain text, phones, IP lists, currencies)."""

from __future__ import annotations

import copy
import ipaddress
import re
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import CoreSchema

from carrierdesk.config import get_settings

# Control characters (Unicode Cc) but tab, line feed and carriage return: PostgreSQL refuses NUL
# in text, and none of the others is ever typed on purpose.
_CONTROL_CHARS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
# The same rule in the OpenAPI document, on every text of a request body (see Input); ECMA-262
# and Python read it alike.
TEXT_PATTERN = f"^[^{_CONTROL_CHARS}]*$"
# A lone surrogate (from a JSON escape such as "\\ud800") is not text: no driver can encode it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why a text cannot be stored (a message for "field: message"), or None when it can."""
    if (found := _CONTROL.search(value)) is not None:
        return f"must not contain control characters (found U+{ord(found.group()):04X})"
    if (found := _SURROGATE.search(value)) is not None:
        return f"must be valid Unicode text (found a lone surrogate, U+{ord(found.group()):04X})"
    return None


def _check_texts(value: Any) -> None:
    """Every text in a value (a string, or strings in lists and objects, at any depth)."""
    pending = [value]
    while pending:  # a loop, not recursion: a deeply nested body must not exhaust the stack
        item = pending.pop()
        if isinstance(item, str):
            if (problem := text_problem(item)) is not None:
                raise ValueError(problem)
        elif isinstance(item, list | tuple):
            pending.extend(item)
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())


def _state_storable_text(schema: dict[str, Any]) -> None:
    """Puts TEXT_PATTERN on every text of a model's JSON schema: its fields, their items and
    values, at any depth (a nested model has its own schema, and its own call). A text that has
    a pattern of its own gets both (`allOf`); an enum, or a format such as date-time or email,
    already excludes control characters."""
    for key, value in schema.items():  # parts may be shared (WithJsonSchema): change copies
        schema[key] = copy.deepcopy(value)
    pending: list[Any] = [schema]
    while pending:
        node = pending.pop()
        if not isinstance(node, dict):
            continue
        if node.get("type") == "string" and not {"enum", "const", "format"} & node.keys():
            if "pattern" not in node:
                node["pattern"] = TEXT_PATTERN
            elif node["pattern"] != TEXT_PATTERN:
                node["allOf"] = [*node.get("allOf", []), {"pattern": TEXT_PATTERN}]
        if node.get("type") == "object" and isinstance(node.get("additionalProperties"), dict):
            node.setdefault("propertyNames", {"pattern": TEXT_PATTERN})  # keys are checked too
        pending.extend(node.get("properties", {}).values())
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            pending.extend(node.get(key, []))
        pending.extend([node.get("items"), node.get("additionalProperties")])


class Input(BaseModel):
    """The base of every request body and form schema: no field of it, however nested, takes
    a text that the database cannot store (see text_problem), and the refusal names the field,
    in the API's problem+json and on the form alike. The OpenAPI document states the control
    characters (TEXT_PATTERN); lone surrogates cannot be written in a pattern."""

    model_config = ConfigDict(json_schema_extra=_state_storable_text)

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        _check_texts(value)
        return value


class _LeftOutNotCleared:
    """Drops null from a field's JSON schema only: validation (and its messages) is that of
    `T | None`, where None is "left out"."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        schema = dict(handler(core_schema))
        branches = [b for b in schema.pop("anyOf", []) if b != {"type": "null"}]
        if len(branches) == 1:
            schema.update(branches[0])
        elif branches:
            schema["anyOf"] = branches
        return schema


T = TypeVar("T")
# A PATCH field that may be left out but not cleared: its service answers null with "cannot be
# empty", so the OpenAPI document does not publish it as nullable. (SkipJsonSchema[None] would
# make `T | None` a union, whose errors name its branches: `email.none: must be None`.)
NotClearable = Annotated[T | None, _LeftOutNotCleared()]


def at_most(limit: int, noun: str = "entries") -> BeforeValidator:
    """A list field's cap, checked before any of its items is (pair it with
    Field(max_length=limit), which puts the cap in the OpenAPI document)."""

    def check(value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) > limit:
            raise ValueError(f"must have at most {limit} {noun} (got {len(value)})")
        return value

    return BeforeValidator(check)


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


# A currency field (customers, rate cards): the OpenAPI document lists the codes as an enum.
# The server also takes one in lower case or with spaces around it, and stores it upper case.
Currency = Annotated[
    str,
    AfterValidator(normalise_currency),
    Field(json_schema_extra={"enum": sorted(CURRENCIES)}),
]


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
    """Every entry normalised; a refusal names every bad entry, not only the first."""
    seen: dict[str, None] = {}  # insertion-ordered, without duplicates
    bad: list[str] = []
    for value in values or []:
        if not value.strip():
            continue
        try:
            seen.setdefault(normalise_ip_or_cidr(value), None)
        except ValueError:
            bad.append(f"'{value.strip()}'")
    if len(bad) == 1:
        raise ValueError(f"{bad[0]} is not an IP address or CIDR range")
    if bad:
        listed = ", ".join(bad[:-1]) + f" and {bad[-1]}"
        raise ValueError(f"{listed} are not IP addresses or CIDR ranges")
    return list(seen)


# A whitelist is checked on every login and every SIP registration: a handful of ranges, not a
# routing table. The same cap for contacts and SIP users, API and Control Panel forms alike.
MAX_IP_WHITELIST = 100
IpWhitelist = Annotated[
    list[str],
    at_most(MAX_IP_WHITELIST),
    Field(max_length=MAX_IP_WHITELIST),
    AfterValidator(normalise_ip_list),
]


def check_email(value: str) -> str:
    """A valid address, kept as typed (only trimmed): PRODUCT.md §2 stores emails as entered."""
    from email_validator import EmailNotValidError, validate_email

    text = value.strip()
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"is not a valid email address: {exc}") from None
    return text


# How the OpenAPI document states what check_email takes: `format: email`, but not a domain
# that is (or ends in) a special-use or reserved name (RFC 6761), which email-validator refuses
# (its SPECIAL_USE_DOMAIN_NAMES), in any case.
_RESERVED_DOMAINS = ("arpa", "invalid", "local", "localhost", "onion", "test")
EMAIL_FORMAT: dict[str, Any] = {
    "format": "email",
    "not": {
        "pattern": "[@.](?:"
        + "|".join("".join(f"[{c}{c.upper()}]" for c in name) for name in _RESERVED_DOMAINS)
        + ")$"
    },
}
# A blank text, which the e-invoice parties' optional fields read as none.
BLANK_PATTERN = r"^[ \t\r\n]*$"


def optional_code_schema(codes: frozenset[str]) -> WithJsonSchema:
    """How the OpenAPI document states an optional code of the e-invoice parties (a country):
    one of `codes` as an enum, blank or null. The server also takes a code in lower case or
    with spaces around it, and stores it upper case."""
    return WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "enum": sorted(codes)},
                {"type": "string", "pattern": BLANK_PATTERN},
                {"type": "null"},
            ]
        }
    )


# An optional email of the e-invoice parties (the seller's, a customer's invoice_email:
# invoices/einvoice/fields.py's Email, which reads blank as none).
OptionalEmailSchema = WithJsonSchema(
    {
        "anyOf": [
            {"type": "string", "maxLength": 320, **EMAIL_FORMAT},
            {"type": "string", "pattern": BLANK_PATTERN},
            {"type": "null"},
        ]
    }
)


# Pydantic's messages in plain words, by error type: the one table that both the API's
# problem details (web/problems.py) and the forms' errors (web/forms.py) read. `{name}` is
# the error's own context (the bound, the length, the choices).
_WHOLE = "must be a whole number"
_NUMBER = "must be a number"
_DATE = "must be a date (YYYY-MM-DD)"
_DATETIME = "must be a date and time (e.g. 2026-12-01T09:30:00Z)"
_BOOLEAN = "must be yes or no (true or false)"
_OBJECT = "must be an object with named fields"
PLAIN_MESSAGES: dict[str, str] = {
    "missing": "is required",
    "extra_forbidden": "is not a field that can be set here",
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be {ge} or more",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be {le} or less",
    "multiple_of": "must be a multiple of {multiple_of}",
    "finite_number": "must be a finite number",
    "string_too_short": "must be at least {min_length} characters long",
    "string_too_long": "must be at most {max_length} characters long",
    "string_too_short/1": "must not be empty",
    "too_short": "must have at least {min_length} entries",
    "too_long": "must have at most {max_length} entries",
    "too_short/1": "must have at least one entry",
    "string_type": "must be text",
    "string_unicode": "must be text",
    "string_pattern_mismatch": "is not in the expected format",
    "int_type": _WHOLE,
    "int_parsing": _WHOLE,
    "int_from_float": _WHOLE,
    "int_parsing_size": "is too large a number",
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "decimal_max_digits": "must have at most {max_digits} digits",
    "decimal_max_places": "must have at most {decimal_places} decimal places",
    "decimal_whole_digits": "must have at most {whole_digits} digits before the decimal point",
    "bool_type": _BOOLEAN,
    "bool_parsing": _BOOLEAN,
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": "must be a date without a time of day",
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "datetime_object_invalid": _DATETIME,
    "timezone_aware": "must include a time zone (e.g. Z for UTC)",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "set_type": "must be a list",
    "dict_type": _OBJECT,
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "json_invalid": "is not valid JSON",
    "url_parsing": "must be a web address (e.g. https://example.com/)",
    "url_type": "must be a web address (e.g. https://example.com/)",
    "url_scheme": "must be a web address starting with {expected_schemes}",
    "uuid_parsing": "must be a UUID",
}
# The prefixes Pydantic puts before the messages of our own validators (ValueError, assert).
_OWN_PREFIXES = ("Value error, ", "Assertion failed, ")
# A pattern that is only a set of characters (^[A-Za-z0-9/_.#-]*$) says which ones in words.
_ALLOWED = re.compile(r"\^\[([^\]\\]+)\][*+]\$")
# What is left of a library message the table does not know, said the same way.
_LIBRARY_OPENINGS = re.compile(r"^(?:Input|Value|String|List|Object|Dictionary) should ")


def plain_message(error: Mapping[str, Any]) -> str:
    """The message of one Pydantic error in plain words ("must be 0 or more")."""
    message = str(error.get("msg", "is invalid"))
    if message.startswith(_OWN_PREFIXES):  # our own validators speak plainly already
        return message.split(", ", 1)[1]
    kind, context = str(error.get("type", "")), error.get("ctx") or {}
    if kind in ("string_too_short", "too_short") and context.get("min_length") == 1:
        kind += "/1"  # "must not be empty", not "at least 1 characters long"
    if kind == "string_pattern_mismatch" and (
        allowed := _ALLOWED.fullmatch(str(context.get("pattern", "")))
    ):
        return f"may only contain these characters: {allowed.group(1)}"
    template = PLAIN_MESSAGES.get(kind)
    if template is not None:
        context = {k: _shown(v) for k, v in context.items()}
        try:
            return template.format(**context)
        except (KeyError, IndexError):
            pass
    return _LIBRARY_OPENINGS.sub("must ", message)


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
