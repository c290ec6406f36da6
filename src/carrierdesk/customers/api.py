from __future__ import annotations

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from carrierdesk.customers import service
from carrierdesk.customers.schemas import (
    STATUSES,
    CustomerCreate,
    CustomerList,
    CustomerOut,
    CustomerUpdate,
)
from carrierdesk.models import Customer
from carrierdesk.scheduling.schemas import ScheduledChangeOut
from carrierdesk.web.http import ApiReader, ApiWriter, Db, Paging, RecordId, TransactionRoute
from carrierdesk.web.problems import READ, WRITE

router = APIRouter(tags=["customers"], route_class=TransactionRoute)


def customer_out(customer: Customer, contacts: int = 0) -> CustomerOut:
    out = CustomerOut.model_validate(customer)
    out.contact_count = contacts
    return out


@router.get("/customers", response_model=CustomerList, responses=READ, summary="List customers")
def list_customers(
    page: Paging,
    principal: ApiReader,
    db: Db,
    q: str | None = None,
    status: str | None = Query(None, json_schema_extra={"enum": list(STATUSES)}),
) -> CustomerList:
    rows, total = service.list_customers(
        db, principal, q=q, status=status, limit=page.limit, offset=page.offset
    )
    return CustomerList(items=[customer_out(c, n) for c, n in rows], total=total)


@router.post(
    "/customers",
    status_code=201,
    response_model=CustomerOut,
    responses=WRITE,
    summary="Create a customer",
)
def create_customer(body: CustomerCreate, principal: ApiWriter, db: Db) -> CustomerOut:
    return customer_out(service.create_customer(db, principal, body))


@router.get(
    "/customers/{customer_id}", response_model=CustomerOut, responses=READ, summary="Get a customer"
)
def get_customer(customer_id: RecordId, principal: ApiReader, db: Db) -> CustomerOut:
    customer = service.get_customer(db, principal, customer_id)
    return customer_out(customer, service.contact_count(db, customer))


@router.patch(
    "/customers/{customer_id}",
    response_model=CustomerOut,
    responses={
        **WRITE,
        202: {"model": ScheduledChangeOut, "description": "Scheduled for apply_at"},
    },
    summary="Change a customer, now or at apply_at",
)
def update_customer(
    customer_id: RecordId, body: CustomerUpdate, principal: ApiWriter, db: Db
) -> CustomerOut | JSONResponse:
    result = service.update_customer(db, principal, customer_id, body)
    if isinstance(result, Customer):
        return customer_out(result, service.contact_count(db, result))
    return JSONResponse(ScheduledChangeOut.of(result).model_dump(mode="json"), status_code=202)


@router.delete(
    "/customers/{customer_id}", status_code=204, responses=WRITE, summary="Delete a customer"
)
def delete_customer(customer_id: RecordId, principal: ApiWriter, db: Db) -> Response:
    service.delete_customer(db, principal, customer_id)
    return Response(status_code=204)
