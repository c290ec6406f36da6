"""Issue 15: the OpenAPI document is a contract a client generator can use. Every operation has
an operationId (camelCase, unique, at most 40 characters: what a generated client names its
functions after) and a summary of its own, declares the problems it may answer, and every
answer that is not JSON declares its schema (a file is `type: string, format: binary`), so a
generated client hands the body over instead of dropping it. The API refuses to start when two
endpoints would share an operationId."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI

from carrierdesk import api as api_module
from carrierdesk.api import OperationIdError, check_operation_ids, create_api
from fixtures.builders import cdr, make_customer
from support import Api

CAMEL_CASE = re.compile(r"^[a-z][a-z0-9]*([A-Z][a-z0-9]*)*$")
JSON_TYPES = ("application/json", "application/problem+json")
FILE_ANSWERS = {  # path → the media type of the file its GET answers
    "/invoices/{invoice_id}/pdf": "application/pdf",
    "/customers/{customer_id}/cdrs.csv": "text/csv",
    "/rate-cards/{rate_card_id}/rates.csv": "text/csv",
    "/invoices/{invoice_id}/ubl": "application/xml",
    "/invoices/{invoice_id}/credit-note/ubl": "application/xml",
}


@pytest.fixture
def document(anonymous: Api) -> dict[str, Any]:
    answer = anonymous.get("/openapi.json")
    assert answer.status_code == 200
    return dict(answer.json())


def operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def default_summary(operation_id: str) -> str:
    """What FastAPI makes of a function name when the endpoint gives no summary."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", operation_id).title()


def test_every_operation_has_a_short_unique_camel_case_id_and_a_summary(
    document: dict[str, Any],
) -> None:
    found = operations(document)
    ids = [operation.get("operationId", "") for _where, operation in found]
    for (where, operation), operation_id in zip(found, ids, strict=True):
        assert CAMEL_CASE.match(operation_id), (where, operation_id)
        assert len(operation_id) <= 40, (where, operation_id)
        summary = operation.get("summary", "")
        assert summary.strip() and summary != default_summary(operation_id), (where, summary)
    assert len(set(ids)) == len(ids), sorted(i for i in ids if ids.count(i) > 1)
    assert {"listInvoices", "getInvoice", "getInvoicePdf", "getSummary"} <= set(ids)


def test_every_operation_declares_its_problems(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    problem = set(schemas["Problem"]["properties"])
    for where, operation in operations(document):
        errors = {s for s in operation["responses"] if s.startswith(("4", "5"))}
        assert "503" in errors, where  # any operation, when the server sheds load
        if where != "GET /health":
            assert "401" in errors, where
        for status in errors:
            content = operation["responses"][status]["content"]
            ref = content["application/problem+json"]["schema"]["$ref"]
            declared = schemas[ref.removeprefix("#/components/schemas/")]
            assert problem <= set(declared["properties"]), (where, status, ref)


def test_every_answer_that_is_not_json_declares_its_schema(document: dict[str, Any]) -> None:
    for where, operation in operations(document):
        for status, response in operation["responses"].items():
            for media_type, declared in response.get("content", {}).items():
                if media_type not in JSON_TYPES:
                    assert declared.get("schema"), (where, status, media_type)
    binary = {"type": "string", "format": "binary"}
    for path, media_type in FILE_ANSWERS.items():
        content = document["paths"][path]["get"]["responses"]["200"]["content"]
        assert content == {media_type: {"schema": binary}}, path


def test_post_cdrs_declares_every_body_it_takes(document: dict[str, Any]) -> None:
    body = document["paths"]["/cdrs"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "text/csv", "application/x-www-form-urlencoded"}
    assert body["text/csv"]["schema"]["format"] == "binary"
    canonical, freeswitch = body["application/json"]["schema"]["anyOf"]
    assert canonical["type"] == "array" and freeswitch["required"] == ["variables"]
    assert body["application/x-www-form-urlencoded"]["schema"]["required"] == ["cdr"]


def test_summary_rows_and_invoices_are_typed(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    row = schemas["SummaryRowOut"]
    assert "additionalProperties" not in row
    assert {"attempts", "connected", "asr", "charge", "period_start", "invoice"} <= set(
        row["properties"]
    )
    assert row["properties"]["attempts"] == {"type": "integer", "title": "Attempts"}
    assert row["properties"]["period_start"]["format"] == "date-time"
    invoice = schemas["InvoiceOut"]["properties"]
    for name in ("period_start", "period_end", "created_at"):
        assert invoice[name] == {
            "type": "string",
            "format": "date-time",
            "title": invoice[name]["title"],
        }
    for name in ("paid_at", "voided_at"):
        assert {"type": "string", "format": "date-time"} in invoice[name]["anyOf"], name
    assert invoice["invoice_date"]["format"] == "date"
    assert invoice["timeframe"]["enum"] == ["daily", "weekly", "monthly"]
    assert {"period_start", "period_end", "created_at"} <= set(schemas["InvoiceOut"]["required"])


def test_summary_rows_without_an_invoice_leave_the_key_out(operator: Api, db_url: str) -> None:
    """The JSON stays as it was: `invoice` is on invoiced rows only, not null on the others."""
    customer_id = make_customer(operator)
    assert operator.post("/cdrs", [cdr("c-1", customer_id)]).json()["accepted"] == 1
    assert operator.post("/summary/refresh").status_code == 200
    answer = operator.get(
        f"/customers/{customer_id}/summary",
        params={"timeframe": "daily", "from": "2026-10-05", "to": "2026-10-06"},
    )
    (row,) = answer.json()["items"]
    assert "invoice" not in row and row["invoice_id"] is None and row["attempts"] == 1
    assert row["period_start"] == "2026-10-05T00:00:00Z"


def two_routes_named(name: str) -> FastAPI:
    app = FastAPI(generate_unique_id_function=api_module.operation_id)
    for path in ("/a", "/b"):
        router = APIRouter()

        def endpoint() -> None: ...

        endpoint.__name__ = name
        router.get(path)(endpoint)
        app.include_router(router)
    return app


def test_two_operations_with_one_id_stop_the_api_at_start_up() -> None:
    with pytest.raises(OperationIdError, match=r"listThings: GET /a, GET /b"):
        check_operation_ids(two_routes_named("list_things"))
    create_api()  # the real one starts: every id is unique


def test_an_operation_id_other_than_the_function_name_is_refused() -> None:
    app = FastAPI(generate_unique_id_function=api_module.operation_id)
    app.get("/a", operation_id="somethingElse")(lambda: None)
    with pytest.raises(OperationIdError, match="leave operation_id out"):
        check_operation_ids(app)
