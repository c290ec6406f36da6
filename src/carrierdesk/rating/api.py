"""/rate-cards, their decks (/rate-cards/{id}/rates, rates.csv) and /providers: thin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from carrierdesk.errors import FieldError, Malformed
from carrierdesk.rating import service
from carrierdesk.rating.schemas import (
    DECK_BODY,
    DeckAccepted,
    ProviderCreate,
    ProviderList,
    ProviderOut,
    ProviderUpdate,
    RateCardCreate,
    RateCardList,
    RateCardOut,
    RateCardUpdate,
    RateList,
    RateOut,
    RowRejection,
)
from carrierdesk.web.downloads import csv_download, file_answer
from carrierdesk.web.http import ApiReader, ApiWriter, Db, Paging, RecordId, TransactionRoute
from carrierdesk.web.problems import PROBLEM, READ, WRITE, Problem

router = APIRouter(tags=["rate cards, providers"], route_class=TransactionRoute)


class DeckRefused(Problem):
    """A deck refused whole (problem+json): every bad row in `rejected`, nothing stored. (A bad
    query parameter is answered as any other 422, without them.)"""

    accepted: int = 0
    rejected: list[RowRejection] = Field(default_factory=list)


DECK_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        "model": DeckRefused,
        "description": "The deck is refused whole: every bad row in `rejected`, nothing stored",
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/DeckRefused"}}},
    }
}


# Rate cards


@router.get(
    "/rate-cards",
    response_model=RateCardList,
    responses=READ,
    summary="List rate cards",
)
def list_rate_cards(
    page: Paging,
    principal: ApiReader,
    db: Db,
    currency: str | None = Query(None, pattern="^[A-Za-z]{3}$", description="only this currency"),
) -> RateCardList:
    rows, total = service.list_rate_cards(
        db, principal, currency=currency, limit=page.limit, offset=page.offset
    )
    return RateCardList(items=[RateCardOut.model_validate(c) for c in rows], total=total)


@router.post(
    "/rate-cards",
    status_code=201,
    response_model=RateCardOut,
    responses=WRITE,
    summary="Create a rate card",
)
def create_rate_card(body: RateCardCreate, principal: ApiWriter, db: Db) -> RateCardOut:
    return RateCardOut.model_validate(service.create_rate_card(db, principal, body))


@router.get(
    "/rate-cards/{rate_card_id}",
    response_model=RateCardOut,
    responses=READ,
    summary="Get a rate card",
)
def get_rate_card(rate_card_id: RecordId, principal: ApiReader, db: Db) -> RateCardOut:
    return RateCardOut.model_validate(service.get_rate_card(db, principal, rate_card_id))


@router.patch(
    "/rate-cards/{rate_card_id}",
    response_model=RateCardOut,
    responses=WRITE,
    summary="Rename a rate card or change its currency",
    description="The currency cannot change while customers use the card (409).",
)
def update_rate_card(
    rate_card_id: RecordId, body: RateCardUpdate, principal: ApiWriter, db: Db
) -> RateCardOut:
    card = service.update_rate_card(db, principal, rate_card_id, body)
    return RateCardOut.model_validate(card)


@router.delete(
    "/rate-cards/{rate_card_id}",
    status_code=204,
    responses=WRITE,
    summary="Delete a rate card and its deck",
    description="Refused (409) while a customer or a provider uses the card.",
)
def delete_rate_card(rate_card_id: RecordId, principal: ApiWriter, db: Db) -> Response:
    service.delete_rate_card(db, principal, rate_card_id)
    return Response(status_code=204)


# The deck


@router.put(
    "/rate-cards/{rate_card_id}/rates",
    response_model=DeckAccepted,
    responses={**WRITE, **DECK_REFUSED},
    openapi_extra=DECK_BODY,
    summary="Upload a deck (CSV) to a rate card",
    description=(
        "Every row is checked; when any is wrong nothing is stored and the answer (422) names "
        "every bad row (row 1 = the first after the header). The rates are added to the card, "
        "replacing a stored rate of the same prefix and effective_from; with `replace=true` "
        "they become the card's whole deck. Up to 64 MiB."
    ),
)
async def put_rates(
    rate_card_id: RecordId,
    request: Request,
    principal: ApiWriter,
    db: Db,
    replace: bool = Query(False, description="make the upload the card's whole deck"),
) -> DeckAccepted:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "text/csv":
        raise Malformed(
            "Send the deck as text/csv (Content-Type: text/csv).",
            [FieldError("Content-Type", f"must be text/csv, not {kind or 'missing'}")],
        )
    body = await request.body()
    accepted = await run_in_threadpool(
        service.put_rates, db, principal, rate_card_id, body, replace=replace
    )
    return DeckAccepted(accepted=accepted, rejected=[])


@router.get(
    "/rate-cards/{rate_card_id}/rates",
    response_model=RateList,
    responses=READ,
    summary="List a rate card's rates",
)
def list_rates(
    rate_card_id: RecordId,
    page: Paging,
    principal: ApiReader,
    db: Db,
    prefix: str | None = Query(
        None, pattern="^[0-9]{1,20}$", description="only rates whose prefix starts with this"
    ),
) -> RateList:
    rows, total = service.list_rates(
        db, principal, rate_card_id, prefix=prefix, limit=page.limit, offset=page.offset
    )
    return RateList(items=[RateOut.model_validate(r) for r in rows], total=total)


@router.get(
    "/rate-cards/{rate_card_id}/rates.csv",
    response_class=StreamingResponse,
    responses={
        **READ,
        **file_answer("text/csv", "The deck in the upload format (the same header), every rate"),
    },
    summary="Download a rate card's deck (CSV)",
    description="Every rate, in the upload format: uploading it again changes nothing.",
)
def download_rates(rate_card_id: RecordId, principal: ApiReader, db: Db) -> StreamingResponse:
    return csv_download(*service.spool_rates(db, principal, rate_card_id))


# Providers


@router.get(
    "/providers",
    response_model=ProviderList,
    responses=READ,
    summary="List providers",
)
def list_providers(page: Paging, principal: ApiReader, db: Db) -> ProviderList:
    rows, total = service.list_providers(db, principal, limit=page.limit, offset=page.offset)
    return ProviderList(items=[ProviderOut.model_validate(p) for p in rows], total=total)


@router.post(
    "/providers",
    status_code=201,
    response_model=ProviderOut,
    responses=WRITE,
    summary="Create a provider",
)
def create_provider(body: ProviderCreate, principal: ApiWriter, db: Db) -> ProviderOut:
    return ProviderOut.model_validate(service.create_provider(db, principal, body))


@router.get(
    "/providers/{provider_id}",
    response_model=ProviderOut,
    responses=READ,
    summary="Get a provider",
)
def get_provider(provider_id: RecordId, principal: ApiReader, db: Db) -> ProviderOut:
    return ProviderOut.model_validate(service.get_provider(db, principal, provider_id))


@router.patch(
    "/providers/{provider_id}",
    response_model=ProviderOut,
    responses=WRITE,
    summary="Rename a provider or change its rate card",
)
def update_provider(
    provider_id: RecordId, body: ProviderUpdate, principal: ApiWriter, db: Db
) -> ProviderOut:
    return ProviderOut.model_validate(service.update_provider(db, principal, provider_id, body))


@router.delete(
    "/providers/{provider_id}",
    status_code=204,
    responses=WRITE,
    summary="Delete a provider",
)
def delete_provider(provider_id: RecordId, principal: ApiWriter, db: Db) -> Response:
    service.delete_provider(db, principal, provider_id)
    return Response(status_code=204)
