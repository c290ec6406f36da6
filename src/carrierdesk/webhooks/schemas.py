"""The API's shapes of webhook endpoints and their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from carrierdesk.validation import Input, NotClearable, at_most
from carrierdesk.webhooks.events import EVENT_TYPES
from carrierdesk.webhooks.targets import MAX_URL, url_problem

DELIVERY_STATUSES = ("pending", "delivered", "failed")
# http(s), a host, no spaces, no #fragment (what a schema can say of url_problem's rules)
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#:][^\s/?#]*(?:[/?][^\s#]*)?$"


def _valid_url(value: str) -> str:
    if (problem := url_problem(value)) is not None:
        raise ValueError(problem)
    return value


def _known_events(value: list[str]) -> list[str]:
    unknown = [e for e in value if e not in EVENT_TYPES]
    if unknown:
        raise ValueError(
            f"unknown event {', '.join(repr(e) for e in unknown)}; the events are "
            f"{', '.join(EVENT_TYPES)}"
        )
    if not value:
        raise ValueError("must name at least one event")
    return list(dict.fromkeys(value))  # each once, in the order given


Url = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_URL,
        examples=["https://93.184.215.14/hooks"],
        # published, not enforced: url_problem says what is wrong in words
        json_schema_extra={"pattern": URL_PATTERN},
    ),
    AfterValidator(_valid_url),
]
Events = Annotated[
    list[str],
    at_most(len(EVENT_TYPES) * 2, "events"),
    Field(
        max_length=len(EVENT_TYPES) * 2,
        json_schema_extra={
            "minItems": 1,
            "items": {"type": "string", "enum": list(EVENT_TYPES)},
        },
    ),
    AfterValidator(_known_events),
]


class Fields(Input):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WebhookCreate(Fields):
    url: Url
    events: Events
    enabled: bool = True


class WebhookUpdate(Fields):
    # NotClearable[X]: may be left out, not cleared (null is "cannot be empty")
    url: NotClearable[Url] = None
    events: NotClearable[Events] = None
    enabled: NotClearable[bool] = None


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    events: list[str]
    enabled: bool
    created_at: datetime
    updated_at: datetime


class WebhookWithSecret(WebhookOut):
    secret: str = Field(
        description="whsec_…: the signing secret, shown in this answer only; keep it now"
    )


class WebhookList(BaseModel):
    items: list[WebhookOut]
    total: int


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    endpoint_id: int
    event_id: int
    event_type: str
    message_id: str = Field(description="the webhook-id header, the same on every attempt")
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    response_status: int | None = Field(description="the HTTP status of the last attempt")
    last_error: str | None
    next_attempt_at: datetime | None = Field(description="when the next attempt is due")
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, delivery: Any, event_type: str) -> DeliveryOut:
        fields = {name: getattr(delivery, name, None) for name in cls.model_fields}
        fields["event_type"] = event_type
        if delivery.status != "pending":  # nothing is due any more
            fields["next_attempt_at"] = None
        return cls.model_validate(fields)


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
    total: int
