"""The Control Panel's pages: each feature's views.py router, mounted here with its error pages."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException

from carrierdesk.audit.views import router as audit_views
from carrierdesk.auth.account_views import router as account_views
from carrierdesk.auth.admin_views import router as admin_views
from carrierdesk.auth.views import router as auth_router
from carrierdesk.cdrs.views import router as cdr_views
from carrierdesk.contacts.views import router as contact_views
from carrierdesk.customers.views import router as customer_views
from carrierdesk.errors import AppError, Malformed, NotFound
from carrierdesk.invoices.views import router as invoice_views
from carrierdesk.notify.views import router as email_log_views
from carrierdesk.portal.views import router as portal_views
from carrierdesk.rating.views import router as rating_views
from carrierdesk.scheduling.views import router as delay_log_views
from carrierdesk.settings.views import router as settings_views
from carrierdesk.sipauth.views import router as sipauth_views
from carrierdesk.web.http import (
    ENROL_PAGE,
    EnrolmentRequired,
    LoginRequired,
    PortalLoginRequired,
    with_retry_after,
)
from carrierdesk.web.problems import data_problem, problem_response, validation_problem
from carrierdesk.web.templating import render
from carrierdesk.webhooks.views import router as webhooks_views

FAVICON = Path(__file__).parent / "static" / "favicon.svg"
ROUTERS = [
    auth_router,
    account_views,
    admin_views,
    customer_views,
    cdr_views,
    invoice_views,
    contact_views,
    delay_log_views,
    audit_views,
    email_log_views,
    settings_views,
    webhooks_views,
    sipauth_views,
    rating_views,
    portal_views,
]


def install(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/customers", status_code=303)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        # Browsers ask for it on pages that name none (the API's JSON, a file download).
        return FileResponse(FAVICON, media_type="image/svg+xml")

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        page = "/portal/login" if isinstance(exc, PortalLoginRequired) else "/login"
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": page})
        return RedirectResponse(f"{page}?next={quote(target)}", status_code=303)

    @app.exception_handler(EnrolmentRequired)
    async def enrolment_required(_request: Request, _exc: EnrolmentRequired) -> Response:
        return RedirectResponse(f"{ENROL_PAGE}?enrol=1", status_code=303)

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        context = {"title": exc.title, "detail": exc.detail, "status": exc.status}
        page = render(request, "errors/error.html", context, status_code=exc.status)
        return with_retry_after(page, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return await app_error(request, validation_problem(exc))

    @app.exception_handler(DataError)
    @app.exception_handler(UnicodeEncodeError)
    async def not_storable(request: Request, exc: Exception) -> Response:
        # The safety net of the API's problems.install, for forms outside the schemas.
        return await app_error(request, data_problem(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/portal/"):
            return render(
                request,
                "portal/error.html",
                {
                    "title": "Not found" if exc.status_code == 404 else "Error",
                    "detail": str(exc.detail),
                    "status": exc.status_code,
                    "contact": None,
                },
                status_code=exc.status_code,
            )
        if request.url.path.startswith("/api/"):  # e.g. a path the API mount cannot match
            return problem_response(
                NotFound("No such API path.")
                if exc.status_code == 404
                else Malformed(str(exc.detail))
            )
        return render(
            request,
            "errors/error.html",
            {
                "title": "Not found" if exc.status_code == 404 else "Error",
                "detail": str(exc.detail),
                "status": exc.status_code,
            },
            status_code=exc.status_code,
        )
