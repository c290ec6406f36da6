from __future__ import annotations

from fastapi import APIRouter

from carrierdesk.auth.permissions import require_staff
from carrierdesk.settings import service
from carrierdesk.settings.schemas import Options, OptionsPatch
from carrierdesk.web.http import ApiReader, ApiWriter, Db, TransactionRoute
from carrierdesk.web.problems import READ, WRITE

router = APIRouter(tags=["settings"], route_class=TransactionRoute)


@router.get(
    "/settings/options", response_model=Options, responses=READ, summary="Get Settings › Options"
)
def get_options(principal: ApiReader, db: Db) -> Options:
    require_staff(principal, "read")
    return service.get_options(db)


@router.patch(
    "/settings/options",
    response_model=Options,
    responses=WRITE,
    summary="Change Settings › Options",
)
def update_options(body: OptionsPatch, principal: ApiWriter, db: Db) -> Options:
    return service.update_options(db, principal, body)
