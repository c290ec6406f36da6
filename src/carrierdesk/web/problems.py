"""problem+json (RFC 9457): how the API answers errors, and how OpenAPI documents them."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException

from carrierdesk.errors import AppError, Conflict, FieldError, Invalid, Malformed
from carrierdesk.validation import plain_message

PROBLEM = "application/problem+json"


class ProblemField(BaseModel):
    field: str
    message: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemField] | None = None


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:  # FastAPI's own type
    described = {
        400: "Malformed request",
        401: "Not authenticated",
        403: "Not allowed",
        404: "Not found",
        409: "Conflict with existing data",
        422: "Invalid field values",
        413: "Request body too large",
        429: "Too many attempts",
        503: "Server busy (Retry-After says when to try again)",
    }
    return {
        s: {
            "model": Problem,
            "description": described[s],
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }


# The problems each kind of operation may answer, declared once and used by every router.
READ = responses(401, 403, 404, 422)
WRITE = responses(400, 401, 403, 404, 409, 413, 422)
EVERY = responses(503)  # any operation, when the server sheds load (web/capacity.py)


def problem_response(exc: AppError) -> JSONResponse:
    retry_after = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return JSONResponse(exc.problem(), status_code=exc.status, media_type=PROBLEM, headers=headers)


TOO_DEEP = "The JSON is nested too deeply: send flat objects and arrays."


def is_json_too_deep(exc: BaseException | None) -> bool:
    """json.loads ran out of stack on a body nested hundreds of levels deep (its own message
    says so: a RecursionError of anything else is a bug and stays one)."""
    return isinstance(exc, RecursionError) and "JSON" in str(exc)


def data_problem(exc: Exception) -> Invalid:
    """What a value the database refused is, by its SQLSTATE (PostgreSQL) or message. Every
    field has its own rules before that, so this only names what slipped past them."""
    if isinstance(exc, UnicodeEncodeError):  # a lone surrogate ("\ud800" in JSON)
        return Invalid("A text in the request is not valid Unicode.")
    orig = getattr(exc, "orig", None) or exc
    state = getattr(orig, "sqlstate", None)
    if "NUL" in str(orig) or state in ("22021", "22P05"):  # not in the repertoire/encoding
        return Invalid("A text in the request contains a character that cannot be stored (NUL).")
    if state == "22001":  # string_data_right_truncation
        return Invalid("A text in the request is longer than the database can store.")
    if state in ("22007", "22008"):  # invalid_datetime_format, datetime_field_overflow
        return Invalid("A date or time in the request is out of range.")
    return Invalid("A number in the request is out of range.")


def validation_problem(exc: RequestValidationError) -> AppError:
    errors = list(exc.errors())
    if any(e.get("type") in {"json_invalid", "model_attributes_type"} for e in errors):
        return Malformed("The request body is not valid JSON.")
    if any(e.get("type") == "missing" and tuple(e.get("loc", ())) == ("body",) for e in errors):
        return Malformed("The request needs a JSON body.")
    fields = [FieldError(_field(e.get("loc", ())), plain_message(e)) for e in errors]
    detail = "; ".join(f"{f.field}: {f.message}" for f in fields)
    return Invalid(detail, fields)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(_request: Request, exc: AppError) -> JSONResponse:
        return problem_response(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(validation_problem(exc))

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    @app.exception_handler(UnicodeEncodeError)
    async def out_of_range(_request: Request, exc: Exception) -> JSONResponse:
        # A safety net: every field has its own bounds, so this only catches what slipped by.
        return problem_response(data_problem(exc))

    @app.exception_handler(RecursionError)
    async def too_deep(_request: Request, exc: RecursionError) -> JSONResponse:
        # An endpoint that parses its body itself (POST /cdrs) meets json.loads' limit here.
        if is_json_too_deep(exc):
            return problem_response(Malformed(TOO_DEEP))
        raise exc

    @app.exception_handler(IntegrityError)
    async def integrity(_request: Request, _exc: IntegrityError) -> JSONResponse:
        # Only reachable when two requests race past the service's own checks.
        return problem_response(Conflict("The change conflicts with data saved meanwhile."))

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400 and is_json_too_deep(exc.__cause__):
            # FastAPI's own body parsing answers 400 "error parsing the body": say why.
            return problem_response(Malformed(TOO_DEEP))
        titles = {
            404: "Not found",
            405: "Method not allowed",
            401: "Not authenticated",
            413: "Request body too large",
        }
        body = {
            "type": "about:blank",
            "title": titles.get(exc.status_code, "Error"),
            "status": exc.status_code,
            "detail": str(exc.detail),
        }
        return JSONResponse(
            body,
            status_code=exc.status_code,
            media_type=PROBLEM,
            headers=getattr(exc, "headers", None),
        )
