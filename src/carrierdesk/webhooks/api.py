"""/webhooks: endpoints, their secrets and their deliveries (admins only): thin."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Response

from carrierdesk.web.http import ApiReader, ApiWriter, Db, Paging, RecordId, TransactionRoute
from carrierdesk.web.problems import READ, WRITE
from carrierdesk.webhooks import service
from carrierdesk.webhooks.schemas import (
    DeliveryList,
    DeliveryOut,
    WebhookCreate,
    WebhookList,
    WebhookOut,
    WebhookUpdate,
    WebhookWithSecret,
)

router = APIRouter(tags=["webhooks"], route_class=TransactionRoute)
SIGNED = (
    "Each event is posted as JSON `{type, timestamp, data}`, signed the Standard Webhooks way "
    "(webhook-id, webhook-timestamp, webhook-signature); see docs/webhooks.md."
)


@router.get(
    "/webhooks",
    response_model=WebhookList,
    responses=READ,
    operation_id="listWebhooks",
    summary="List webhook endpoints",
)
def list_webhooks(page: Paging, principal: ApiReader, db: Db) -> WebhookList:
    rows, total = service.list_webhooks(db, principal, limit=page.limit, offset=page.offset)
    return WebhookList(items=[WebhookOut.model_validate(e) for e in rows], total=total)


@router.post(
    "/webhooks",
    status_code=201,
    response_model=WebhookWithSecret,
    responses=WRITE,
    operation_id="createWebhook",
    summary="Create a webhook endpoint",
    description=f"The answer holds the signing secret, shown this once. {SIGNED}",
)
def create_webhook(body: WebhookCreate, principal: ApiWriter, db: Db) -> WebhookWithSecret:
    endpoint, secret = service.create_webhook(db, principal, body)
    return WebhookWithSecret(**WebhookOut.model_validate(endpoint).model_dump(), secret=secret)


@router.get(
    "/webhooks/{webhook_id}",
    response_model=WebhookOut,
    responses=READ,
    operation_id="getWebhook",
    summary="Get a webhook endpoint",
)
def get_webhook(webhook_id: RecordId, principal: ApiReader, db: Db) -> WebhookOut:
    return WebhookOut.model_validate(service.get_webhook(db, principal, webhook_id))


@router.patch(
    "/webhooks/{webhook_id}",
    response_model=WebhookOut,
    responses=WRITE,
    operation_id="updateWebhook",
    summary="Change a webhook endpoint's URL, events or enabled",
)
def update_webhook(
    webhook_id: RecordId, body: WebhookUpdate, principal: ApiWriter, db: Db
) -> WebhookOut:
    return WebhookOut.model_validate(service.update_webhook(db, principal, webhook_id, body))


@router.delete(
    "/webhooks/{webhook_id}",
    status_code=204,
    responses=WRITE,
    operation_id="deleteWebhook",
    summary="Delete a webhook endpoint and its deliveries",
)
def delete_webhook(webhook_id: RecordId, principal: ApiWriter, db: Db) -> Response:
    service.delete_webhook(db, principal, webhook_id)
    return Response(status_code=204)


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    response_model=WebhookWithSecret,
    responses=WRITE,
    operation_id="rotateWebhookSecret",
    summary="Give a webhook endpoint a new signing secret",
    description="The new secret is in this answer only; every delivery from now on, retries "
    "included, is signed with it.",
)
def rotate_webhook_secret(webhook_id: RecordId, principal: ApiWriter, db: Db) -> WebhookWithSecret:
    endpoint, secret = service.rotate_secret(db, principal, webhook_id)
    return WebhookWithSecret(**WebhookOut.model_validate(endpoint).model_dump(), secret=secret)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=DeliveryList,
    responses=READ,
    operation_id="listWebhookDeliveries",
    summary="List a webhook endpoint's deliveries, newest first",
)
def list_webhook_deliveries(
    webhook_id: RecordId,
    page: Paging,
    principal: ApiReader,
    db: Db,
    status: Literal["pending", "delivered", "failed"] | None = Query(None),
) -> DeliveryList:
    rows, total = service.list_deliveries(
        db, principal, webhook_id, status=status, limit=page.limit, offset=page.offset
    )
    return DeliveryList(items=[DeliveryOut.of(d, t) for d, t in rows], total=total)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
    response_model=DeliveryOut,
    responses=WRITE,
    operation_id="retryWebhookDelivery",
    summary="Send a delivery again now",
    description="Same webhook-id, a new schedule of retries; 409 while a worker is posting it.",
)
def retry_webhook_delivery(
    webhook_id: RecordId, delivery_id: RecordId, principal: ApiWriter, db: Db
) -> DeliveryOut:
    delivery, event_type = service.retry_delivery(db, principal, webhook_id, delivery_id)
    return DeliveryOut.of(delivery, event_type)
