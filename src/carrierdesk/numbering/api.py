from __future__ import annotations

from fastapi import APIRouter, Query, Response

from carrierdesk.numbering import service
from carrierdesk.numbering.extensions import FREE_LIMIT_MAX, free_extensions
from carrierdesk.numbering.schemas import BlockList, BlockOut, FreeExtensions
from carrierdesk.web.http import ApiReader, ApiWriter, Db, RecordId, TransactionRoute
from carrierdesk.web.problems import READ, WRITE

router = APIRouter(tags=["numbering"], route_class=TransactionRoute)


@router.get(
    "/customers/{customer_id}/number-blocks",
    response_model=BlockList,
    responses=READ,
    summary="List a customer's number blocks",
)
def list_number_blocks(customer_id: RecordId, principal: ApiReader, db: Db) -> BlockList:
    blocks = service.list_blocks(db, principal, customer_id)
    return BlockList(items=[BlockOut.model_validate(b) for b in blocks], total=len(blocks))


@router.post(
    "/customers/{customer_id}/number-blocks",
    status_code=201,
    response_model=BlockOut,
    responses=WRITE,
    summary="Assign the next available block",
)
def assign_number_block(customer_id: RecordId, principal: ApiWriter, db: Db) -> BlockOut:
    return BlockOut.model_validate(service.assign_block(db, principal, customer_id))


@router.delete(
    "/number-blocks/{block_id}", status_code=204, responses=WRITE, summary="Delete a number block"
)
def delete_number_block(block_id: RecordId, principal: ApiWriter, db: Db) -> Response:
    service.delete_block(db, principal, block_id)
    return Response(status_code=204)


@router.get(
    "/customers/{customer_id}/extensions/free",
    response_model=FreeExtensions,
    responses=READ,
    summary="List a customer's free extensions",
)
def list_free_extensions(
    customer_id: RecordId,
    principal: ApiReader,
    db: Db,
    limit: int = Query(100, ge=1, le=FREE_LIMIT_MAX),
) -> FreeExtensions:
    return FreeExtensions(items=free_extensions(db, principal, customer_id, limit))
