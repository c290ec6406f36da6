"""Control Panel › Rate Cards (list, a card's page with its rates, prefix search, download, and
the upload in two steps: Preview, then Apply) and › Providers (list, form, delete). Thin: every
rule is the service's."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from carrierdesk.auth.principals import Principal
from carrierdesk.errors import AppError
from carrierdesk.models import Provider, RateCard
from carrierdesk.rating import service
from carrierdesk.rating.schemas import (
    ProviderCreate,
    ProviderUpdate,
    RateCardCreate,
    RateCardUpdate,
)
from carrierdesk.validation import CURRENCIES
from carrierdesk.web.forms import (
    SubmittedForm,
    act,
    checkbox,
    optional,
    page,
    redirect,
    save_form,
    text,
)
from carrierdesk.web.http import Db, RecordId, TransactionRoute, WebReader, WebWriter

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)
PAGE_SIZE = 50
REJECTIONS_SHOWN = 500  # a refused deck's rows shown on the page (all are counted)
CARDS_IN_A_SELECTOR = 500


def cards_for_selector(
    db: Session, principal: Principal, currency: str | None = None
) -> list[RateCard]:
    """The cards a form may offer (the customer form: only those of the customer's currency)."""
    cards, _total = service.list_rate_cards(
        db, principal, currency=currency, limit=CARDS_IN_A_SELECTOR, offset=0
    )
    return cards


# --- Rate cards -----------------------------------------------------------------------------


@router.get("/rate-cards", response_class=HTMLResponse)
def card_list(request: Request, principal: WebReader, db: Db, offset: int = 0) -> Response:
    cards, total = service.list_rate_cards(db, principal, limit=PAGE_SIZE, offset=max(offset, 0))
    context = {
        "section": "rate-cards",
        "cards": cards,
        "total": total,
        "limit": PAGE_SIZE,
        "offset": max(offset, 0),
        "query": "",
    }
    return page(request, db, "rating/list.html", context)


def _card_form(
    request: Request,
    db: Session,
    card: RateCard | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "section": "rate-cards",
        "card": card,
        "values": values,
        "errors": errors,
        "currencies": sorted(CURRENCIES),
    }
    return page(request, db, "rating/form.html", context, status)


@router.get("/rate-cards/new", response_class=HTMLResponse)
def new_card(request: Request, principal: WebWriter, db: Db) -> Response:
    return _card_form(request, db, None, {"name": "", "currency": "EUR"}, {})


@router.post("/rate-cards/new", response_class=HTMLResponse)
def create_card(request: Request, form: SubmittedForm, principal: WebWriter, db: Db) -> Response:
    fields = {"name": text(form, "name"), "currency": text(form, "currency")}
    return save_form(
        db,
        form,
        RateCardCreate,
        fields,
        lambda data: service.create_rate_card(db, principal, data),
        lambda card: redirect(f"/rate-cards/{card.id}", f"Rate card {card.name} created."),
        lambda errors: _card_form(request, db, None, dict(form), errors, 422),
    )


def _card_page(
    request: Request,
    db: Session,
    principal: Principal,
    card_id: int,
    prefix: str,
    offset: int,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    card = service.get_rate_card(db, principal, card_id)
    context: dict[str, Any] = {
        "section": "rate-cards",
        "card": card,
        "prefix": prefix,
        "rates": [],
        "total": 0,
        "deck_size": service.rate_count(db, principal, card_id),
        "limit": PAGE_SIZE,
        "offset": offset,
        "query": urlencode({"prefix": prefix}),
        "search_errors": {},
        "upload_errors": {},
        "preview": None,
        "rejected": [],
        "rejected_total": 0,
        **(extra or {}),
    }

    def listed(found: tuple[list[Any], int]) -> Response:
        context["rates"], context["total"] = found
        return page(request, db, "rating/card.html", context, status)

    def bad_search(_exc: AppError, errors: dict[str, str]) -> Response:
        context["search_errors"] = errors
        return page(request, db, "rating/card.html", context, 422)

    return act(
        db,
        lambda: service.list_rates(
            db, principal, card_id, prefix=prefix or None, limit=PAGE_SIZE, offset=offset
        ),
        listed,
        bad_search,
    )


@router.get("/rate-cards/{rate_card_id}", response_class=HTMLResponse)
def card_page(
    request: Request,
    rate_card_id: RecordId,
    principal: WebReader,
    db: Db,
    prefix: str = "",
    offset: int = 0,
) -> Response:
    return _card_page(request, db, principal, rate_card_id, prefix.strip(), max(offset, 0))


@router.post("/rate-cards/{rate_card_id}/upload", response_class=HTMLResponse)
def upload_deck(
    request: Request, rate_card_id: RecordId, form: SubmittedForm, principal: WebWriter, db: Db
) -> Response:
    """Step 1, Preview: the deck of the form checked and compared with the card, nothing stored
    (the preview panel alone when htmx asks, the file input keeping its file). Step 2, Apply:
    the same file sent again with the preview's stamp, stored whole or refused."""
    if text(form, "step") == "apply":
        return _apply_deck(request, db, principal, rate_card_id, form)
    return _preview_deck(request, db, principal, rate_card_id, form)


def _deck_file(form: FormData) -> tuple[bytes, str]:
    chosen = form.get("deck")
    if not isinstance(chosen, UploadFile):
        return b"", ""
    return chosen.file.read(), chosen.filename or ""


def _preview_deck(
    request: Request, db: Session, principal: Principal, card_id: int, form: FormData
) -> Response:
    body, name = _deck_file(form)
    replace = checkbox(form, "replace")
    # htmx swaps 2xx answers only: the panel comes with 200 whatever it shows.
    panel_only = bool(request.headers.get("HX-Request"))

    def shown(preview: service.DeckPreview | None, errors: dict[str, str], status: int) -> Response:
        rejected = preview.rejected if preview else []
        extra = {
            "preview": preview,
            "deck_name": name,
            "upload_errors": errors,
            "rejected": rejected[:REJECTIONS_SHOWN],
            "rejected_total": len(rejected),
            "replace": replace,
            "panel_only": panel_only,
        }
        if panel_only:
            card = service.get_rate_card(db, principal, card_id)
            return page(request, db, "rating/_deck_preview.html", {"card": card, **extra})
        return _card_page(request, db, principal, card_id, "", 0, extra, status)

    return act(
        db,
        lambda: service.preview_rates(db, principal, card_id, body, replace=replace),
        lambda preview: shown(preview, {}, 422 if preview.rejected else 200),
        lambda _exc, errors: shown(None, errors, 422),
    )


def _apply_deck(
    request: Request, db: Session, principal: Principal, card_id: int, form: FormData
) -> Response:
    name = service.get_rate_card(db, principal, card_id, "write").name
    body, _filename = _deck_file(form)
    replace = checkbox(form, "replace")
    previewed = service.PreviewStamp(
        sha256=text(form, "preview_sha256"),
        replace=checkbox(form, "preview_replace"),
        card_changed=text(form, "preview_card"),
    )

    def refused(exc: AppError, errors: dict[str, str]) -> Response:
        rejected = list(exc.extra.get("rejected") or [])  # type: ignore[call-overload]
        extra = {
            "upload_errors": errors,
            "rejected": rejected[:REJECTIONS_SHOWN],
            "rejected_total": len(rejected),
            "replace": replace,
        }
        return _card_page(request, db, principal, card_id, "", 0, extra, exc.status)

    return act(
        db,
        lambda: service.apply_previewed_rates(
            db, principal, card_id, body, previewed, replace=replace
        ),
        lambda accepted: redirect(
            f"/rate-cards/{card_id}",
            f"{accepted} rates uploaded to {name}"
            + (" (the whole deck now)." if replace else " (added to the deck)."),
        ),
        refused,
    )


@router.get("/rate-cards/{rate_card_id}/edit", response_class=HTMLResponse)
def edit_card(request: Request, rate_card_id: RecordId, principal: WebWriter, db: Db) -> Response:
    card = service.get_rate_card(db, principal, rate_card_id)
    return _card_form(request, db, card, {"name": card.name, "currency": card.currency}, {})


@router.post("/rate-cards/{rate_card_id}/edit", response_class=HTMLResponse)
def update_card(
    request: Request, rate_card_id: RecordId, form: SubmittedForm, principal: WebWriter, db: Db
) -> Response:
    card = service.get_rate_card(db, principal, rate_card_id)
    fields = {"name": text(form, "name"), "currency": text(form, "currency")}
    return save_form(
        db,
        form,
        RateCardUpdate,
        fields,
        lambda data: service.update_rate_card(db, principal, rate_card_id, data),
        lambda saved: redirect(f"/rate-cards/{rate_card_id}", f"Rate card {saved.name} saved."),
        lambda errors: _card_form(request, db, card, dict(form), errors, 422),
        current=card,
    )


@router.get("/rate-cards/{rate_card_id}/delete", response_class=HTMLResponse)
def confirm_card_delete(
    request: Request, rate_card_id: RecordId, principal: WebWriter, db: Db
) -> Response:
    card = service.get_rate_card(db, principal, rate_card_id)
    context = {
        "section": "rate-cards",
        "card": card,
        "deck_size": service.rate_count(db, principal, card.id),
    }
    return page(request, db, "rating/delete.html", context)


@router.post("/rate-cards/{rate_card_id}/delete", response_class=HTMLResponse)
def delete_card(request: Request, rate_card_id: RecordId, principal: WebWriter, db: Db) -> Response:
    card = service.get_rate_card(db, principal, rate_card_id)
    name = card.name

    def refused(exc: AppError, errors: dict[str, str]) -> Response:
        context = {
            "section": "rate-cards",
            "card": service.get_rate_card(db, principal, rate_card_id),
            "deck_size": service.rate_count(db, principal, rate_card_id),
            "errors": errors,
        }
        return page(request, db, "rating/delete.html", context, exc.status)

    return act(
        db,
        lambda: service.delete_rate_card(db, principal, rate_card_id),
        lambda _done: redirect("/rate-cards", f"Rate card {name} deleted."),
        refused,
    )


# --- Providers ------------------------------------------------------------------------------


@router.get("/providers", response_class=HTMLResponse)
def provider_list(request: Request, principal: WebReader, db: Db, offset: int = 0) -> Response:
    providers, total = service.list_providers(db, principal, limit=PAGE_SIZE, offset=max(offset, 0))
    cards = {c.id: c for c in cards_for_selector(db, principal)}
    context = {
        "section": "providers",
        "providers": providers,
        "cards": cards,
        "total": total,
        "limit": PAGE_SIZE,
        "offset": max(offset, 0),
        "query": "",
    }
    return page(request, db, "rating/providers.html", context)


def _provider_form(
    request: Request,
    db: Session,
    principal: Principal,
    provider: Provider | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    context = {
        "section": "providers",
        "provider": provider,
        "values": values,
        "errors": errors,
        "cards": cards_for_selector(db, principal),
    }
    return page(request, db, "rating/provider_form.html", context, status)


def _provider_fields(form: Any) -> dict[str, Any]:
    return {"name": text(form, "name"), "rate_card_id": optional(form, "rate_card_id")}


@router.get("/providers/new", response_class=HTMLResponse)
def new_provider(request: Request, principal: WebWriter, db: Db) -> Response:
    return _provider_form(request, db, principal, None, {"name": "", "rate_card_id": ""}, {})


@router.post("/providers/new", response_class=HTMLResponse)
def create_provider(
    request: Request, form: SubmittedForm, principal: WebWriter, db: Db
) -> Response:
    return save_form(
        db,
        form,
        ProviderCreate,
        _provider_fields(form),
        lambda data: service.create_provider(db, principal, data),
        lambda provider: redirect("/providers", f"Provider {provider.name} created."),
        lambda errors: _provider_form(request, db, principal, None, dict(form), errors, 422),
    )


@router.get("/providers/{provider_id}/edit", response_class=HTMLResponse)
def edit_provider(
    request: Request, provider_id: RecordId, principal: WebWriter, db: Db
) -> Response:
    provider = service.get_provider(db, principal, provider_id)
    values = {"name": provider.name, "rate_card_id": provider.rate_card_id or ""}
    return _provider_form(request, db, principal, provider, values, {})


@router.post("/providers/{provider_id}/edit", response_class=HTMLResponse)
def update_provider(
    request: Request, provider_id: RecordId, form: SubmittedForm, principal: WebWriter, db: Db
) -> Response:
    provider = service.get_provider(db, principal, provider_id)
    return save_form(
        db,
        form,
        ProviderUpdate,
        _provider_fields(form),
        lambda data: service.update_provider(db, principal, provider_id, data),
        lambda saved: redirect("/providers", f"Provider {saved.name} saved."),
        lambda errors: _provider_form(request, db, principal, provider, dict(form), errors, 422),
        current=provider,
    )


@router.get("/providers/{provider_id}/delete", response_class=HTMLResponse)
def confirm_provider_delete(
    request: Request, provider_id: RecordId, principal: WebWriter, db: Db
) -> Response:
    provider = service.get_provider(db, principal, provider_id)
    context = {"section": "providers", "provider": provider}
    return page(request, db, "rating/provider_delete.html", context)


@router.post("/providers/{provider_id}/delete", response_class=HTMLResponse)
def delete_provider(
    request: Request, provider_id: RecordId, principal: WebWriter, db: Db
) -> Response:
    provider = service.get_provider(db, principal, provider_id)
    name = provider.name

    def refused(exc: AppError, errors: dict[str, str]) -> Response:
        context = {"section": "providers", "provider": provider, "errors": errors}
        return page(request, db, "rating/provider_delete.html", context, exc.status)

    return act(
        db,
        lambda: service.delete_provider(db, principal, provider_id),
        lambda _done: redirect("/providers", f"Provider {name} deleted."),
        refused,
    )
