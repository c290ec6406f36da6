"""Jinja2 for the Control Panel and the portal: one environment, shared globals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from carrierdesk.auth.passwords import POLICY_HINT
from carrierdesk.config import get_settings
from carrierdesk.invoices.amounts import to_minor
from carrierdesk.validation import CURRENCIES, minor_unit
from carrierdesk.web.assets import static_url

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.globals["carrier_name"] = lambda: get_settings().carrier_name
templates.env.globals["static_url"] = static_url
templates.env.globals["password_policy"] = POLICY_HINT
# Money in the currency's minor units, on the server (the `minor` filter, invoices/_macros.html)
# and in the browser (format.js reads MINOR_UNITS_JSON): one table, validation.MINOR_UNITS.
MINOR_UNITS_JSON = json.dumps({code: minor_unit(code) for code in sorted(CURRENCIES)})
templates.env.globals["minor_units_json"] = MINOR_UNITS_JSON
templates.env.filters["minor"] = lambda amount, currency: to_minor(Decimal(str(amount)), currency)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page; `principal` and `csrf_token` come from the request when logged in."""
    full = {
        "principal": getattr(request.state, "principal", None),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, full, status_code=status_code)
