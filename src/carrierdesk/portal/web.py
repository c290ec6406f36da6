"""What every Customer Portal page shares: its route class, the portal layout's context, and
the errors of a form shown on the form."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from carrierdesk.errors import AppError
from carrierdesk.portal import service
from carrierdesk.web.forms import field_errors, page
from carrierdesk.web.http import TransactionRoute, keep_changes, with_retry_after
from carrierdesk.web.templating import render

HOME = "/portal/"


class PortalRoute(TransactionRoute):
    """One transaction per request, and a refusal the page does not show itself answered with
    the portal's own error page (the Control Panel's has the Control Panel's menu)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except AppError as exc:
                return error_page(request, exc)

        return run


def error_page(request: Request, exc: AppError) -> HTMLResponse:
    context = {"title": exc.title, "detail": exc.detail, "status": exc.status}
    return with_retry_after(
        render(request, "portal/error.html", context, status_code=exc.status), exc
    )


def portal_page(
    request: Request,
    db: Session,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A portal page: the contact behind it (for the layout and the Portal Login banner)."""
    principal = getattr(request.state, "principal", None)
    contact = service.me(db, principal) if principal is not None else None
    full = {"contact": contact, "section": "", **(context or {})}
    return page(request, db, name, full, status_code=status_code)


def refused(
    request: Request,
    db: Session,
    exc: AppError,
    name: str,
    context: dict[str, Any],
    fields: tuple[str, ...],
) -> HTMLResponse:
    """The form again with the service's refusal by field; what the refusal wants kept (a
    wrong code's count, a failed login's record) is kept, and its delay applied."""
    keep_changes(request, exc)
    errors: dict[str, str] = {}
    for field, message in field_errors(exc).items():
        key = field if field in fields else "_form"
        errors[key] = f"{errors[key]}; {message}" if key in errors else message
    response = portal_page(request, db, name, {**context, "errors": errors}, status_code=exc.status)
    return with_retry_after(response, exc)
