"""Control Panel: Settings › Options (admins only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from carrierdesk.auth.permissions import require_staff
from carrierdesk.settings import service
from carrierdesk.settings.schemas import SELLER_FIELDS, OptionsPatch
from carrierdesk.web.forms import SubmittedForm, checkbox, optional, page, redirect, save_form, text
from carrierdesk.web.http import Db, TransactionRoute, WebReader

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
# Options that may be left empty (unset); the others must have a value.
CLEARABLE = ("number_range_start", "block_size")
NUMBERS = (
    "summary_refresh_seconds",
    "auto_logout_minutes",
    "max_auth_failures",
    "invoice_number_padding",
)
TEXTS = (
    "invoice_line_grouping",
    "invoice_number_prefix",
    "invoice_tax_name",
    "invoice_company_text",
    "invoice_payment_text",
)
SWITCHES = ("audit_comment_required", "totp_required_for_admins")


def _values(options: dict[str, Any]) -> dict[str, Any]:
    values = {k: "" if v is None else str(v) for k, v in options.items()}
    values.update({k: "on" if options[k] else "" for k in SWITCHES})
    return values


@router.get("/settings/options", response_class=HTMLResponse)
def options_page(request: Request, principal: WebReader, db: Db) -> Response:
    require_staff(principal, "admin")
    values = _values(service.get_options(db).model_dump())
    context = {"section": "settings", "tab": "options", "values": values}
    return page(request, db, "settings/options.html", context)


@router.post("/settings/options", response_class=HTMLResponse)
def save_options(request: Request, form: SubmittedForm, principal: WebReader, db: Db) -> Response:
    require_staff(principal, "admin")
    fields: dict[str, Any] = {k: optional(form, k) for k in CLEARABLE}
    fields |= {k: text(form, k) for k in (*NUMBERS, *TEXTS)}
    fields |= {k: checkbox(form, k) for k in SWITCHES}

    def again(errors: dict[str, str]) -> Response:
        values = {k: v for k, v in form.items() if k != "csrf_token"}
        context = {"section": "settings", "tab": "options", "values": values, "errors": errors}
        return page(request, db, "settings/options.html", context, 422)

    return save_form(
        db,
        form,
        OptionsPatch,
        fields,
        lambda data: service.update_options(db, principal, data),
        lambda _options: redirect("/settings/options", "Options saved."),
        again,
    )


@router.get("/settings/invoicing", response_class=HTMLResponse)
def invoicing_page(request: Request, principal: WebReader, db: Db) -> Response:
    """Settings › Invoicing: the seller on every e-invoice."""
    require_staff(principal, "admin")
    options = service.get_options(db).model_dump()
    values = {k: options[k] or "" for k in SELLER_FIELDS}
    context = {"section": "settings", "tab": "invoicing", "values": values}
    return page(request, db, "settings/invoicing.html", context)


@router.post("/settings/invoicing", response_class=HTMLResponse)
def save_invoicing(request: Request, form: SubmittedForm, principal: WebReader, db: Db) -> Response:
    require_staff(principal, "admin")

    def again(errors: dict[str, str]) -> Response:
        values = {k: v for k, v in form.items() if k != "csrf_token"}
        context = {"section": "settings", "tab": "invoicing", "values": values, "errors": errors}
        return page(request, db, "settings/invoicing.html", context, 422)

    return save_form(
        db,
        form,
        OptionsPatch,
        {k: optional(form, k) for k in SELLER_FIELDS},
        lambda data: service.update_options(db, principal, data),
        lambda _options: redirect("/settings/invoicing", "Invoicing details saved."),
        again,
    )
