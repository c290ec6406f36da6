"""The REST API under /api/v1, with its own OpenAPI document at /api/v1/openapi.json."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.orm import Session

from carrierdesk import __version__
from carrierdesk.audit.api import router as audit_router
from carrierdesk.auth.api import router as auth_router
from carrierdesk.cdrs.api import router as cdrs_router
from carrierdesk.contacts.api import router as contacts_router
from carrierdesk.customers.api import router as customers_router
from carrierdesk.invoices.api import router as invoices_router
from carrierdesk.notify.api import router as outbox_router
from carrierdesk.numbering.api import router as numbering_router
from carrierdesk.portal.api import router as portal_router
from carrierdesk.scheduling.api import router as scheduling_router
from carrierdesk.settings.api import router as settings_router
from carrierdesk.sipauth.api import router as sipauth_router
from carrierdesk.summaries.api import router as summaries_router
from carrierdesk.web import problems
from carrierdesk.web.http import TransactionRoute, get_db

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


@health_router.get("/health", response_model=Health)
def health(db: Session = Depends(get_db)) -> Health:
    db.execute(text("SELECT 1"))
    return Health(status="ok", database="ok")


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
    return api
