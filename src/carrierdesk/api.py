"""The REST API under /api/v1, with its own OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.routing import Match, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from carrierdesk import __version__
from carrierdesk.audit.api import router as audit_router
from carrierdesk.auth.api import router as auth_router
from carrierdesk.cdrs.api import router as cdrs_router
from carrierdesk.contacts.api import router as contacts_router
from carrierdesk.customers.api import router as customers_router
from carrierdesk.db import transaction_mode
from carrierdesk.errors import DatabaseUnavailable
from carrierdesk.invoices.api import router as invoices_router
from carrierdesk.notify.api import router as outbox_router
from carrierdesk.numbering.api import router as numbering_router
from carrierdesk.portal.api import router as portal_router
from carrierdesk.scheduling.api import router as scheduling_router
from carrierdesk.settings.api import router as settings_router
from carrierdesk.sipauth.api import router as sipauth_router
from carrierdesk.summaries.api import router as summaries_router
from carrierdesk.web import problems
from carrierdesk.web.capacity import Capacity
from carrierdesk.web.http import TransactionRoute, own_transactions
from carrierdesk.web.problems import responses

ROUTERS = [
    auth_router,
    customers_router,
    contacts_router,
    scheduling_router,
    audit_router,
    outbox_router,
    settings_router,
    cdrs_router,
    summaries_router,
    invoices_router,
    numbering_router,
    sipauth_router,
    portal_router,
]


class Health(BaseModel):
    status: str
    database: str


health_router = APIRouter(tags=["health"], route_class=TransactionRoute)


@health_router.get("/health", response_model=Health, responses=responses(503))
@own_transactions
async def health(request: Request) -> Health:
    """Answers within a second under any load: it uses a connection kept aside for it."""
    capacity: Capacity = request.app.state.capacity
    async with capacity.spare():
        await run_in_threadpool(_ping, request.app.state.sessionmaker)
    return Health(status="ok", database="ok")


def _ping(factory: sessionmaker[Session]) -> None:
    try:
        with transaction_mode("read"), factory() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise DatabaseUnavailable("The database does not answer.") from None


METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class AllowedMethods:
    """Every API path answers OPTIONS (204, `Allow` listing its methods) and HEAD (its GET
    without the body), and a 405 lists every method of the path. Starlette's own 405 names
    only the first route of a path that several routes share (`GET /customers/{id}` hid its
    PATCH and DELETE). Plain ASGI, so streamed answers stay streamed."""

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router

    def allowed(self, scope: Scope) -> str:
        """The `Allow` value of the request's path ("" when no route has that path): each
        method is tried on the router as it would route it, so included routers count too."""
        methods = {m for m in METHOD_ORDER[2:-1] if self._routes(scope, m)}
        if self._routes(scope, "GET"):
            methods |= {"GET", "HEAD"}
        if not methods:
            return ""
        return ", ".join(m for m in METHOD_ORDER if m in methods | {"OPTIONS"})

    def _routes(self, scope: Scope, method: str) -> bool:
        probe = {"type": "http", "method": method, "path": scope["path"]}
        probe["root_path"] = scope.get("root_path", "")
        return any(r.matches(probe)[0] is Match.FULL for r in self.router.routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method in ("OPTIONS", "HEAD") and (allow := self.allowed(scope)):
            if method == "OPTIONS":
                await Response(status_code=204, headers={"Allow": allow})(scope, receive, send)
                return
            if "GET" in allow.split(", "):
                await self.app({**scope, "method": "GET"}, receive, _without_body(send))
                return

        async def send_with_allow(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                MutableHeaders(scope=message)["Allow"] = self.allowed(scope)
            await send(message)

        await self.app(scope, receive, send_with_allow)


def _without_body(send: Send) -> Send:
    async def send_headers_only(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return send_headers_only


def create_api() -> FastAPI:
    api = FastAPI(
        title="carrierdesk API",
        version=__version__,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        description="The REST API of carrierdesk: customers, contacts, numbering, CDRs, "
        "summaries and invoices. Authenticate with `Authorization: Bearer <token>`.",
    )
    problems.install(api)
    api.include_router(health_router)
    for router in ROUTERS:
        api.include_router(router)
    api.add_middleware(AllowedMethods, router=api.router)
    return api
