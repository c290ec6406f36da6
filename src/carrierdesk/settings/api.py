from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.settings import service
from carrierdesk.settings.schemas import Options, OptionsPatch
from carrierdesk.web.http import TransactionRoute, api_principal, get_db
from carrierdesk.web.problems import READ, WRITE

router = APIRouter(tags=["settings"], route_class=TransactionRoute)


@router.get("/settings/options", response_model=Options, responses=READ)
def get_options(
    principal: Principal = Depends(api_principal), db: Session = Depends(get_db)
) -> Options:
    require_staff(principal, "read")
    return service.get_options(db)


@router.patch("/settings/options", response_model=Options, responses=WRITE)
def update_options(
    body: OptionsPatch,
    principal: Principal = Depends(api_principal),
    db: Session = Depends(get_db),
) -> Options:
    return service.update_options(db, principal, body)
