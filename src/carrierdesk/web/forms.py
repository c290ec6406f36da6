"""Control Panel forms: a submitted form parsed into the API's own Pydantic schema, errors turned
into {field: message} for the form, flash messages, the context every page shares, and the one
way a form is saved (save_form)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar
from urllib.parse import quote, unquote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from carrierdesk.audit.service import comment_required
from carrierdesk.config import get_settings
from carrierdesk.errors import AppError, Conflict, Invalid, Malformed
from carrierdesk.models.base import utcnow
from carrierdesk.validation import plain_message
from carrierdesk.web.templating import render

M = TypeVar("M", bound=BaseModel)
R = TypeVar("R")
FLASH_COOKIE = "cd_flash"
# Refusals a person can fix on the form; anything else (403, 404) gets the error page.
FORM_ERRORS = (Invalid, Conflict, Malformed)
DELAYS = {
    "15m": ("15 minutes", timedelta(minutes=15)),
    "1h": ("1 hour", timedelta(hours=1)),
    "4h": ("4 hours", timedelta(hours=4)),
    "1d": ("1 day", timedelta(days=1)),
}


async def submitted(request: Request) -> FormData:
    """The submitted form (read once, asynchronously, so that sync views can use it)."""
    return await request.form()


SubmittedForm = Annotated[FormData, Depends(submitted)]
"""What a form view declares to get the submitted form: `form: SubmittedForm`."""


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def secret(form: FormData, name: str) -> str:
    """A password as typed: never stripped (spaces may be part of it)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def optional(form: FormData, name: str) -> str | None:
    return text(form, name) or None


def checkbox(form: FormData, name: str) -> bool:
    return form.get(name) not in (None, "", "0", "false", "off")


def lines(form: FormData, name: str) -> list[str]:
    return [line.strip() for line in text(form, name).splitlines() if line.strip()]


def parse(schema: type[M], data: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    """The schema built from the form's values, or the errors by field."""
    try:
        return schema.model_validate(data), {}
    except ValidationError as exc:
        return None, validation_errors(exc)


def validation_errors(exc: ValidationError) -> dict[str, str]:
    """The messages the API would give (same schema), by form field; blank inputs "is required"."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = error.get("loc") or ("_form",)
        message = plain_message(error)
        if error.get("input") in ("", None) and error.get("type") != "extra_forbidden":
            message = "is required"
        errors.setdefault(str(loc[0]), message)
    return errors


def field_errors(exc: AppError) -> dict[str, str]:
    """{field: message} of a service's refusal; a refusal of no field goes under "_form"."""
    errors: dict[str, str] = {}
    for error in exc.errors:
        errors[error.field] = (
            f"{errors[error.field]}; {error.message}" if error.field in errors else error.message
        )
    if not errors or isinstance(exc, Conflict):
        errors["_form"] = exc.detail
    return errors


def refusal(db: Session, exc: AppError) -> dict[str, str]:
    """The errors of a refused save, after undoing what it had flushed: the form shown again
    must not show half-applied values (the request's transaction is rolled back anyway)."""
    db.rollback()
    return field_errors(exc)


def delay_until(form: FormData, now: datetime | None = None) -> tuple[datetime | None, str]:
    """apply_at chosen with Delay and Save: a delay, or a date and time (UTC); ("", error)."""
    now = now or utcnow()
    choice = text(form, "delay")
    if choice in DELAYS:
        return now + DELAYS[choice][1], ""
    raw = text(form, "delay_at")
    if not raw:
        return None, "pick a delay, or a date and time"
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        return None, "is not a date and time"
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    if at <= now:
        return None, "must be in the future (times are UTC)"
    return at, ""


def scheduled_time(at: datetime) -> str:
    """When a delayed change applies, as the flash after Delay and Save says it."""
    return at.strftime("%Y-%m-%d %H:%M:%S UTC")


def changed_fields(data: BaseModel, record: object) -> dict[str, Any]:
    """The fields of an edit form that differ from the record: only those are saved, so that a
    delayed change does not overwrite the edits made before it applies."""
    return {
        k: v
        for k, v in data.model_dump(exclude_unset=True, exclude={"apply_at"}).items()
        if v != getattr(record, k)
    }


def save_form(
    db: Session,
    form: FormData,
    schema: type[M],
    fields: dict[str, Any],
    save: Callable[[M], R],
    done: Callable[[R], Response],
    again: Callable[[dict[str, str]], Response],
    *,
    delay: bool = False,
    current: object | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    """A Control Panel form saved the house way:

    1. `fields` (the form's values) parsed into the API's own `schema`; with `delay` (the form
       has Delay and Save), `apply_at` is the time picked when the button pressed was "delay";
    2. `errors` the view found itself (a company to choose) are added; any error stops here;
    3. an edit (`current`, the record as it is) keeps only the fields the form changed;
    4. `save(data)` calls the service; a refusal a person can fix (FORM_ERRORS) is undone;
    5. `done(result)` answers a save (a flash and a redirect), `again(errors)` answers every
       error (the form again, with its errors by field, 422).
    """
    at, delay_error = delay_until(form) if delay and text(form, "save") == "delay" else (None, "")
    if delay and current is None:
        fields = {**fields, "apply_at": at}
    data, found = parse(schema, fields)
    if delay_error:
        found["apply_at"] = delay_error
    found.update(errors or {})
    if data is None or found:
        return again(found)
    if current is not None:
        changes = changed_fields(data, current)
        data = schema.model_validate({**changes, "apply_at": at} if delay else changes)
    return act(db, lambda: save(data), done, lambda _exc, errors: again(errors))


def act(
    db: Session,
    do: Callable[[], R],
    done: Callable[[R], Response],
    refused: Callable[[AppError, dict[str, str]], Response],
) -> Response:
    """A Control Panel action: `do()` calls the service and `done(result)` answers it; a refusal
    a person can fix (FORM_ERRORS) is undone first (nothing it flushed is kept, whatever the
    answer) and answered by `refused(exc, errors by field)`. Other refusals (403, 404) become
    the error page."""
    try:
        result = do()
    except FORM_ERRORS as exc:
        return refused(exc, refusal(db, exc))
    return done(result)


def flash(response: HTMLResponse | RedirectResponse, message: str, level: str = "success") -> None:
    payload = quote(json.dumps([{"level": level, "text": message}]))
    response.set_cookie(
        FLASH_COOKIE,
        payload,
        httponly=True,
        samesite="lax",
        secure=get_settings().secure_cookies,
        path="/",
    )


def show_once(response: Response, name: str, values: list[str], path: str) -> None:
    """Values for the next page at `path` only (POST/redirect/GET of a page that shows a
    secret once, e.g. recovery codes): the page reads them with `shown_once` and forgets them."""
    response.set_cookie(
        name,
        quote(json.dumps(values)),
        max_age=300,
        httponly=True,
        samesite="strict",
        secure=get_settings().secure_cookies,
        path=path,
    )


def shown_once(request: Request, response: Response, name: str, path: str) -> None:
    """Forget what `show_once` kept, now that `response` shows it."""
    if request.cookies.get(name):
        response.delete_cookie(name, path=path)


def kept_once(request: Request, name: str) -> list[str]:
    """What `show_once` kept for this page (empty when nothing is)."""
    try:
        values = json.loads(unquote(request.cookies.get(name) or "[]"))
    except ValueError:
        return []
    return [str(v) for v in values] if isinstance(values, list) else []


def _flashes(request: Request) -> list[dict[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        items = json.loads(unquote(raw))
    except ValueError:
        return []
    return [
        {"level": str(i.get("level", "info")), "text": str(i.get("text", ""))}
        for i in items
        if isinstance(i, dict)
    ]


def redirect(url: str, message: str | None = None, level: str = "success") -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    if message:
        flash(response, message, level)
    return response


def safe_path(target: str | None, default: str) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def page(
    request: Request,
    db: Session,
    name: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a Control Panel page with its flashes, the viewer's rights and the audit option."""
    principal = getattr(request.state, "principal", None)
    full = {
        "flashes": _flashes(request),
        "can_write": bool(principal and principal.role in ("admin", "operator")),
        "audit_comment_required": comment_required(db),
        "errors": {},
        "delays": {k: label for k, (label, _) in DELAYS.items()},
        **(context or {}),
    }
    response = render(request, name, full, status_code=status_code)
    if request.cookies.get(FLASH_COOKIE):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response
