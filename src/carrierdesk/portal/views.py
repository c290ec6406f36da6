"""The Customer Portal's pages (PRODUCT.md §10): the dashboard with the Summary, the SIP users
and conference rooms, and (in their own modules) login, profile and verification.

Every read goes through the services with the contact's principal: they scope it to the
contact's own customer (auth/permissions.py)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from carrierdesk.errors import AppError, Invalid
from carrierdesk.portal import (
    cdr_report_views,
    invoice_views,
    login_views,
    profile_views,
    verification_views,
)
from carrierdesk.portal.web import HOME, PortalRoute, portal_page
from carrierdesk.sipauth.conferences import list_rooms
from carrierdesk.sipauth.sip_users import list_sip_users
from carrierdesk.summaries.service import Summary, Sums, get_summary
from carrierdesk.web.http import Db, PortalContact

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
pages = APIRouter(prefix="/portal", route_class=PortalRoute, include_in_schema=False)
Timeframe = Literal["24h", "daily", "weekly", "monthly"]  # the Control Panel's tabs
TIMEFRAMES: tuple[str, ...] = Timeframe.__args__  # type: ignore[attr-defined]
LISTED = 1000  # a customer's SIP users or rooms shown on one page
# The customer's side of a Summary: the carrier's cost and profit are not theirs to see.
CUSTOMER_FIGURES = (
    "attempts",
    "connected",
    "asr",
    "acd",
    "ner",
    "pdd_ms",
    "duration",
    "billed_duration",
    "charge",
)


@router.get("/portal", include_in_schema=False)
def portal_root() -> Response:
    return RedirectResponse(HOME, status_code=307)  # the portal cookie's path is /portal/


@pages.get("/", response_class=HTMLResponse)
def dashboard(request: Request, principal: PortalContact, db: Db) -> Response:
    context = {"section": "dashboard", "timeframes": TIMEFRAMES}
    return portal_page(request, db, "portal/dashboard.html", context)


@pages.get("/summary.json")
def summary_json(principal: PortalContact, db: Db, timeframe: str = "daily") -> Response:
    """The contact's customer's Summary, read-only, for the dashboard's grid."""
    try:
        if timeframe not in TIMEFRAMES:
            raise Invalid.field("timeframe", "must be one of " + ", ".join(TIMEFRAMES))
        assert principal.customer_id is not None
        summary = get_summary(db, principal, principal.customer_id, timeframe)
    except AppError as exc:
        return JSONResponse(
            exc.problem(), status_code=exc.status, media_type="application/problem+json"
        )
    return JSONResponse(_summary_out(summary))


def _summary_out(summary: Summary) -> dict[str, Any]:
    rows = sorted(summary.rows, key=lambda r: r.period_start, reverse=True)
    return {
        "currency": summary.currency,
        "timeframe": summary.timeframe,
        "refreshed_at": summary.refreshed_at.isoformat() if summary.refreshed_at else None,
        "items": [{"period_start": r.period_start.isoformat(), **_figures(r.sums)} for r in rows],
        "totals": _figures(summary.totals),
    }


def _figures(sums: Sums) -> dict[str, Any]:
    figures = sums.figures()
    shown = {name: figures[name] for name in CUSTOMER_FIGURES}
    shown["charge"] = f"{figures['charge']:.6f}"
    return shown


@pages.get("/sip-users", response_class=HTMLResponse)
def sip_users(request: Request, principal: PortalContact, db: Db) -> Response:
    assert principal.customer_id is not None
    rows, total = list_sip_users(db, principal, principal.customer_id, limit=LISTED)
    context = {"section": "sip-users", "sip_users": rows, "total": total}
    return portal_page(request, db, "portal/sip_users.html", context)


@pages.get("/conferences", response_class=HTMLResponse)
def conferences(request: Request, principal: PortalContact, db: Db) -> Response:
    assert principal.customer_id is not None
    rows, total = list_rooms(db, principal, principal.customer_id, limit=LISTED)
    context = {"section": "conferences", "rooms": rows, "total": total}
    return portal_page(request, db, "portal/conferences.html", context)


for module_router in (
    pages,
    login_views.router,
    profile_views.router,
    verification_views.router,
    invoice_views.router,
    cdr_report_views.router,
):
    router.include_router(module_router)
