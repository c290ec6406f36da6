"""Schemathesis against /api/v1/openapi.json with an admin token and every check it has: no 5xx,
status codes, content types, bodies and headers as documented, schema-valid requests
accepted and schema-violating ones refused, undeclared methods answered 405 with a full
`Allow`, `OPTIONS` listing exactly the documented methods, authentication not ignored. It runs
the examples, coverage and fuzzing phases, derandomized (a fixed seed) and bounded in size.

Some reports are not mismatches (docs/decisions.md, "what Schemathesis reports that is not a
mismatch"). A schema-valid request refused for a rule no schema states is let through only
when every error of its problem matches one of `REFUSALS` (so any other refusal still fails);
an operation that accepts more than its schema says is listed in `LENIENT`. `LEFT_OPEN` are
real mismatches in request bodies: remove an entry once that schema states its rule.

The database is made when the module is collected, because Schemathesis parametrizes the test
per API operation at that moment: an SQLite file with two customers and their contacts."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.openapi.checks import RejectedPositiveData

from carrierdesk.app import create_app
from carrierdesk.auth.principals import CLI
from carrierdesk.contacts.schemas import ContactCreate
from carrierdesk.contacts.service import create_contact
from carrierdesk.db import transaction
from carrierdesk.migrate import upgrade
from fixtures.builders import add_customer
from support import make_token

pytestmark = pytest.mark.xdist_group("schemathesis")

# Refusals of schema-valid requests for a rule no schema can state: reason -> patterns of the
# problem's "field: message" errors (or of its detail, when it has no errors).
REFUSALS: dict[str, list[str]] = {
    "api-token-logout": [r"^This is an API token, not a session"],
    "between-fields": [
        r"^to: must be after from$",
        r"^issued_to: must not be before issued_from$",
        r"^(from|to|timeframe|period_start): (give from and to, or timeframe and period_start"
        r"|is required with timeframe|is not the start of a \w+ period)$",
        r"^from: at most \d+ periods at a time$",
        # period_start without timeframe (the message could say so: "is required with ...")
        r"^timeframe: must be one of 24h, daily, weekly, monthly$",
        r"^period_starts\.\d+: \S+ is (given twice|not (a day|the first day of .*))$",
        r"^moderator_pin: must differ from the PIN$",
        r"^receives_calls: tick receives calls, sends calls, or both$",
        r"^password: (is required when|leave it empty when) Auto Generate",
        # a customer's tax category with its rate, exemption reason and VAT id (EN 16931)
        r"^tax_rate: must be 0 when the tax category is \w+ \(no VAT\)$",
        r"^tax_exemption_reason: is required when the tax category is exempt$",
        r"^vat_id: is required when the tax category is reverse_charge \(EN 16931 BR-AE-02\)$",
    ],
    "time-and-stored-data": [
        r"^period_starts\.\d+: .* (has no charges to invoice|has not ended yet"
        r"|is out of range)$",
        r"^currency: cannot be changed once the customer exists$",
        r"^(username|extension): (must be a number inside the customer's number blocks"
        r"|.* is inside the number block .* of another customer"
        r"|write the number without leading zeros)",
        r"^current_password: is not your current password$",
        r"^new_password: must differ from the current password$",
        r"^(public_notes|private_notes): must not contain the contact's (current )?password$",
        r"^rate_card_id: rate card \d+ does not exist$",
        r"^rate_card_id: rate card .+ is in [A-Z]{3}; the customer bills in [A-Z]{3}$",
    ],
    "password-policy": [
        r"^(password|new_password): must (be 8 to 128 characters long|contain an? (upper-case"
        r" letter|lower-case letter|digit|symbol)|not be or contain the email address)$",
    ],
    "notes-heuristic": [r"^(public_notes|private_notes): looks like a credential"],
    "address": [r"(is not an IP address|are not IP addresses) or CIDR range"],
    "phone": [r"^(phone|mobile): is not a phone number"],
    "opaque-cursor": [r"^cursor: is not a cursor this API gave out$"],
    "column-list": [r"^columns: unknown column\(s\)"],
    "csv-body": [
        r"^\w+: column is missing from the header$",
        r"^customer_id: the header needs customer_id, customer_ref or sip_user$",
        r"^The file is not UTF-8 text",
    ],
    "decimal-places": [r"^tax_rate: must have at most \d+ (digits|decimal)"],
    # POST /cdrs?format=…: the body is the switch's own (docs/cdr-formats.md), which one schema
    # of the canonical body cannot state (the document lists every body with the format that
    # takes it: mod_json_cdr's JSON or form is for freeswitch-json only); the time zone is an
    # IANA name, for two formats only
    "native-cdr-format": [
        r"^The body is not a CDR of mod_json_cdr",
        r"^Send the CDRs as application/json or text/csv\.$",
        r"^The request body must be a JSON array of CDRs\.$",
        r"^timezone: (is for the formats whose times carry no zone|'.*' is not a time zone)",
    ],
    # e-invoice parties (invoices/einvoice/fields.py): VAT numbers, IBANs and BICs are checked
    # with their countries' check digits (python-stdnum), which no pattern can state
    "einvoice-identifiers": [
        r"^(seller_)?vat_id: (must start with the issuing country's ISO code"
        r"|\S+ is not a (valid )?VAT number)",
        r"^seller_iban: is not (an IBAN|a valid IBAN) ",
        r"^seller_bic: is not a BIC ",
    ],
    "lone-surrogate": [r": must be valid Unicode text \(found a lone surrogate"],
    # a webhook URL's host: what it resolves to now, and whether that is a public address
    # (webhooks/targets.py); a port out of range or no host after the user name
    "webhook-target": [
        r"^url: the URL is not a valid URL|^url: .* (resolves to .* address; such targets"
        r"|cannot be resolved|has no address)|^url: must name a host",
    ],
}
# None now: the schemas state every rule that was listed here (docs/decisions.md).
LEFT_OPEN: dict[str, list[str]] = {}
PATTERNS = [
    re.compile(p) for patterns in (*REFUSALS.values(), *LEFT_OPEN.values()) for p in patterns
]
# Operations that accept more than their schema says, with the status they answer it with.
LENIENT: dict[str, tuple[int, str]] = {
    "GET /audit-log": (200, "`from`/`to`: Pydantic reads 0.5 as a Unix time"),
    "GET /customers/{customer_id}/cdrs": (200, "`from`/`to`: 0.5 read as a Unix time"),
    "GET /invoices": (200, "`issued_from`/`issued_to`: 0 read as a Unix time"),
    "POST /customers": (201, "`apply_at`: 0 read as a Unix time"),
    "PATCH /settings/options": (200, "booleans: 0 and 1 read as false and true"),
    "POST /webhooks": (201, "`enabled`: 0 and 1 read as false and true"),
    "PATCH /webhooks/{webhook_id}": (200, "`enabled`: 0 and 1 read as false and true"),
    "PATCH /sip-users/{sip_user_id}": (200, "`enabled`: 0 and 1 read as false and true"),
    "PATCH /conferences/{room_id}": (200, "`max_members`: false and true read as 0 and 1"),
    "POST /cdrs": (200, "invalid rows are reported in `rejected` (API.md's batch contract)"),
}


def _config() -> SchemathesisConfig:
    defaults = SchemathesisConfig().projects.default.checks.negative_data_rejection
    operations = [
        {
            "include-name": name,
            "checks": {
                "negative_data_rejection": {
                    "expected-statuses": [*defaults.expected_statuses, str(status)]
                }
            },
        }
        for name, (status, _why) in LENIENT.items()
    ]
    return SchemathesisConfig.from_dict(
        {
            "seed": 20261201,
            # Unknown query parameters are ignored, as HTTP APIs commonly do (docs/decisions.md).
            "generation": {"allow-extra-parameters": False},
            "operations": operations,
        }
    )


def refusals(response: schemathesis.Response) -> list[str]:
    """The "field: message" errors of a problem answer, or its detail when it has none."""
    try:
        body = response.json()
    except ValueError:
        return [response.text]
    if not isinstance(body, dict):
        return [response.text]
    errors = body.get("errors") or []
    return [f"{e['field']}: {e['message']}" for e in errors] or [str(body.get("detail"))]


def _seeded_database() -> str:
    url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='carrierdesk-fuzz-')) / 'fuzz.db'}"
    upgrade(url)
    with transaction(url) as session:
        for name in ("Acme Telecom", "Blue Harbour"):
            customer = add_customer(session, name)
            create_contact(
                session,
                CLI,
                customer.id,
                ContactCreate(name="Ann", email=f"ann@{name.split()[0].lower()}.example"),
            )
    return url


DATABASE = _seeded_database()
HEADERS = {"Authorization": f"Bearer {make_token(DATABASE, 'admin')}"}
schema = schemathesis.openapi.from_asgi(
    "/api/v1/openapi.json", create_app(DATABASE), config=_config()
)


@schema.hook("filter_failure")
def documented_refusal(
    _ctx: object, failure: object, _case: schemathesis.Case, response: schemathesis.Response
) -> bool:
    """Keep every failure but a schema-valid request refused only for rules listed above."""
    if not isinstance(failure, RejectedPositiveData) or response.status_code not in (400, 422):
        return True
    return not all(any(p.search(m) for p in PATTERNS) for m in refusals(response))


@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_answers_within_its_schema(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=HEADERS)


class _Answer:
    """A stand-in for a Schemathesis response: its status and problem body."""

    def __init__(self, status_code: int, body: dict[str, object]) -> None:
        self.status_code, self.body, self.text = status_code, body, str(body)

    def json(self) -> dict[str, object]:
        return self.body


def test_only_documented_refusals_are_let_through() -> None:
    def kept(status: int, errors: list[tuple[str, str]], detail: str = "") -> bool:
        failure = RejectedPositiveData(
            operation="POST /x", message="", status_code=status, allowed_statuses=["2xx"]
        )
        body = {"detail": detail, "errors": [{"field": f, "message": m} for f, m in errors]}
        return documented_refusal(None, failure, None, _Answer(status, body))

    assert not kept(422, [("to", "must be after from")])
    assert not kept(400, [], "This is an API token, not a session: logging out does not end it.")
    assert not kept(422, [("ip", "'x' is not an IP address or CIDR range")])
    assert kept(422, [("name", "must not be blank")])
    assert kept(422, [("to", "must be after from"), ("name", "must not be blank")])
    assert kept(400, [], "The request body is not valid JSON.")
    assert kept(500, [("to", "must be after from")])
