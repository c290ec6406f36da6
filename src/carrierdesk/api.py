"""The REST API under /api/v1, with its own OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, FastAPI, Request
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
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
from carrierdesk.rating.api import router as rating_router
from carrierdesk.scheduling.api import router as scheduling_router
from carrierdesk.settings.api import router as settings_router
from carrierdesk.sipauth.api import router as sipauth_router
from carrierdesk.summaries.api import router as summaries_router
from carrierdesk.switch.api import router as switch_router
from carrierdesk.web import api_docs, problems
from carrierdesk.web.capacity import Capacity
from carrierdesk.web.http import TransactionRoute, own_transactions
from carrierdesk.web.problems import EVERY, responses
from carrierdesk.webhooks.api import router as webhooks_router

ROUTERS = [
    switch_router,  # first: routes are matched in order, and FreeSWITCH asks at every REGISTER
    auth_router,
    customers_router,
    contacts_router,
    scheduling_router,
    audit_router,
    outbox_router,
    settings_router,
    webhooks_router,
    cdrs_router,
    summaries_router,
    invoices_router,
    numbering_router,
    sipauth_router,
    rating_router,
    portal_router,
]


class Health(BaseModel):
    status: str
    database: str


health_router = APIRouter(tags=["health"], route_class=TransactionRoute)


@health_router.get(
    "/health", response_model=Health, responses=responses(503), summary="Is the API up?"
)
@own_transactions
async def get_health(request: Request) -> Health:
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


def operation_id(route: APIRoute | RouteContext) -> str:
    """The operationId of an endpoint: its function's name (verb_noun) in camelCase,
    `list_invoices` → `listInvoices`. What a generated client names its functions after, so it
    stays as long as the function keeps its name."""
    first, *rest = (route.name or "").split("_")
    return first + "".join(word.capitalize() for word in rest)


class OperationIdError(RuntimeError):
    """Two operations would share an operationId, or one is not its function's name."""


def check_operation_ids(api: FastAPI) -> None:
    """Refuse to start when two operations share an operationId, or an endpoint gives one
    that is not its function's name (a generated client would lose one of them, or rename a
    function whenever the path changes)."""
    operations = [
        (route.unique_id, f"{method} {route.path_format}", route)
        for route in iter_route_contexts(api.routes)  # routers included in the app too
        if isinstance(route.original_route, APIRoute) and route.include_in_schema
        for method in sorted(route.methods or ())
    ]
    for given, where, route in operations:
        if given != operation_id(route):
            raise OperationIdError(
                f"{where}: operation_id {given!r} is not {operation_id(route)!r}, the name of "
                f"its function {route.name}: leave operation_id out and name the function"
            )
    counts = Counter(given for given, _where, _route in operations)
    clashes = {
        given: [where for other, where, _route in operations if other == given]
        for given, n in counts.items()
        if n > 1
    }
    if clashes:
        described = "; ".join(f"{i}: {', '.join(w)}" for i, w in sorted(clashes.items()))
        raise OperationIdError(
            f"operationIds must be unique; rename an endpoint function of: {described}"
        )


_checked: list[bool] = []


def _check_operation_ids_once(api: FastAPI) -> None:
    """Every API of a process is made of the same routers, so the first is checked for all:
    the check resolves every route at once (~0.2 s), which each app otherwise does for the
    routes it serves, when it first serves them."""
    if not _checked:
        check_operation_ids(api)
        _checked.append(True)


def create_api() -> FastAPI:
    api = FastAPI(
        generate_unique_id_function=operation_id,
        responses=EVERY,
        title="carrierdesk API",
        version=__version__,
        openapi_url="/openapi.json",
        docs_url=None,  # web/api_docs.py serves them, from the project's own Swagger UI
        redoc_url=None,
        description="The REST API of carrierdesk: customers, contacts, numbering, CDRs, "
        "summaries and invoices. Authenticate with `Authorization: Bearer <token>`.",
    )
    problems.install(api)
    api_docs.install(api)
    api.include_router(health_router)
    for router in ROUTERS:
        api.include_router(router)
    _check_operation_ids_once(api)
    api.add_middleware(AllowedMethods, router=api.router)
    return api
