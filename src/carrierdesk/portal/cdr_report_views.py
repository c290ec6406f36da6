"""The Customer Portal's CDR report download: the API's cdrs.csv (the same service functions,
the same file name) for the contact's own customer, one Summary period at a time."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from carrierdesk.cdrs import reports
from carrierdesk.cdrs.fields import REPORT_COLUMNS
from carrierdesk.errors import Invalid
from carrierdesk.invoices.figures import first_call_hour
from carrierdesk.models.base import utcnow
from carrierdesk.portal.web import PortalRoute, portal_page
from carrierdesk.web.downloads import csv_download
from carrierdesk.web.http import Db, PortalContact

router = APIRouter(prefix="/portal", route_class=PortalRoute, include_in_schema=False)
# What the carrier pays for a call is not the customer's to see (as on the portal's Summary).
CUSTOMER_COLUMNS = ",".join(c for c in REPORT_COLUMNS if c not in ("cost", "provider"))
MONTHS_OFFERED = 24


@router.get("/cdr-reports", response_class=HTMLResponse)
def cdr_reports(request: Request, principal: PortalContact, db: Db) -> Response:
    """A day or a month to download (the dashboard's Summary offers its rows' too)."""
    assert principal.customer_id is not None
    today = utcnow().date()
    first = first_call_hour(db, principal.customer_id)
    first_day = first.date() if first else today
    months = _months(first_day, today)
    context = {"section": "cdr-reports", "today": today, "first_day": first_day, "months": months}
    return portal_page(request, db, "portal/cdr_reports.html", context)


def _months(first: date, today: date) -> list[date]:
    """The first days of the months from this one back to the customer's first call (at
    most MONTHS_OFFERED), newest first: never a month before there was anything to report."""
    index = today.year * 12 + today.month - 1
    count = min(MONTHS_OFFERED, max(1, index - (first.year * 12 + first.month - 1) + 1))
    return [date((index - n) // 12, (index - n) % 12 + 1, 1) for n in range(count)]


@router.get("/cdrs.csv")
def cdr_report(
    principal: PortalContact, db: Db, timeframe: str = "", period_start: str = ""
) -> StreamingResponse:
    """The CDRs of one 24h/daily/weekly/monthly period as CSV, streamed."""
    assert principal.customer_id is not None
    plan = reports.plan_report(
        db,
        principal,
        principal.customer_id,
        timeframe=timeframe or None,
        period_start=_moment(period_start),
        columns=CUSTOMER_COLUMNS,
    )
    return csv_download(reports.spool_report(db, plan), plan.filename)


def _moment(value: str) -> datetime | None:
    """A date or an ISO 8601 time (UTC unless it says otherwise); the service checks that it
    starts a period of the timeframe."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise Invalid.field("period_start", "is not a date or time (ISO 8601)") from None
