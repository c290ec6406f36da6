"""Customers through the API: PRODUCT.md §1, each bad-input rule with nothing changed."""

from __future__ import annotations

import pytest

from support import Api, problem_fields


def create(api: Api, **fields: object) -> dict:
    response = api.post("/customers", {"name": "Acme Telecom", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def count(api: Api) -> int:
    return api.get("/customers").json()["total"]


def test_create_read_list_search_and_defaults(operator: Api) -> None:
    acme = create(operator, reference="ACME-1", currency="eur", tax_rate="20.5")
    create(operator, name="Northwind Voice", status="penalty")
    assert acme["currency"] == "EUR"
    assert acme["tax_rate"] == "20.5"
    assert acme["status"] == "active" and acme["invoice_schedule"] == "none"
    assert acme["invoice_due_days"] == 30
    assert acme["created_at"].endswith("Z")
    assert operator.get(f"/customers/{acme['id']}").json()["name"] == "Acme Telecom"
    names = [c["name"] for c in operator.get("/customers", params={"q": "north"}).json()["items"]]
    assert names == ["Northwind Voice"]
    by_ref = operator.get("/customers", params={"q": "acme-1"}).json()["items"]
    assert [c["id"] for c in by_ref] == [acme["id"]]
    penalty = operator.get("/customers", params={"status": "penalty"}).json()
    assert penalty["total"] == 1


def test_paging(operator: Api) -> None:
    for i in range(7):
        create(operator, name=f"Customer {i}")
    page = operator.get("/customers", params={"limit": 3, "offset": 3}).json()
    assert page["total"] == 7
    assert [c["name"] for c in page["items"]] == ["Customer 3", "Customer 4", "Customer 5"]
    assert operator.get("/customers", params={"limit": 501}).status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "X", "currency": "XYZ"}, "currency"),
        ({"name": "X", "status": "sleeping"}, "status"),
        ({"name": "X", "tax_rate": "-1"}, "tax_rate"),
        ({"name": "X", "tax_rate": "101"}, "tax_rate"),
        ({"name": "X", "invoice_schedule": "hourly"}, "invoice_schedule"),
        ({"name": "X", "invoice_due_days": -3}, "invoice_due_days"),
        ({"name": "X", "channels": -1}, "channels"),
        ({"name": "X", "colour": "red"}, "colour"),
        ({}, "name"),
    ],
)
def test_invalid_fields_are_named_and_nothing_is_stored(
    operator: Api, body: dict, field: str
) -> None:
    response = operator.post("/customers", body)
    assert response.status_code == 422
    assert field in problem_fields(response)
    assert count(operator) == 0


def test_malformed_json_is_400(operator: Api) -> None:
    response = operator.post(
        "/customers", content=b"{name:", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert count(operator) == 0


def test_reference_is_unique(operator: Api) -> None:
    create(operator, reference="REF-1")
    response = operator.post("/customers", {"name": "Other", "reference": "REF-1"})
    assert response.status_code == 409
    assert "reference" in problem_fields(response)
    assert count(operator) == 1


def test_currency_cannot_change_after_creation(operator: Api) -> None:
    acme = create(operator, currency="USD")
    response = operator.patch(f"/customers/{acme['id']}", {"currency": "EUR", "name": "New"})
    assert response.status_code == 422
    assert "cannot be changed" in problem_fields(response)["currency"]
    after = operator.get(f"/customers/{acme['id']}").json()
    assert after["currency"] == "USD" and after["name"] == "Acme Telecom"
    same = operator.patch(f"/customers/{acme['id']}", {"currency": "USD", "name": "New"})
    assert same.status_code == 200 and same.json()["name"] == "New"


@pytest.mark.parametrize("field", ["name", "status", "tax_rate", "email_invoices"])
def test_a_field_that_cannot_be_cleared_refuses_null(operator: Api, field: str) -> None:
    acme = create(operator)
    response = operator.patch(f"/customers/{acme['id']}", {field: None, "channels": 7})
    assert response.status_code == 422, response.text  # email_invoices was a 409 once
    assert problem_fields(response) == {field: "cannot be empty"}
    assert operator.get(f"/customers/{acme['id']}").json() == acme


def test_update_and_audit(operator: Api, admin: Api) -> None:
    acme = create(operator)
    response = operator.patch(f"/customers/{acme['id']}", {"status": "penalty", "channels": 50})
    assert response.status_code == 200
    assert response.json()["status"] == "penalty"
    entries = admin.get("/audit-log", params={"customer_id": acme["id"]}).json()["items"]
    update = next(e for e in entries if e["action"] == "update")
    assert update["changes"]["status"] == ["active", "penalty"]
    assert update["changes"]["channels"] == [None, 50]
    assert update["actor"] == "token:test operator"


def test_delete_refused_while_contacts_exist(operator: Api) -> None:
    acme = create(operator)
    contact = operator.post(
        f"/customers/{acme['id']}/contacts", {"name": "Ann", "email": "ann@acme.example"}
    )
    assert contact.status_code == 201
    response = operator.delete(f"/customers/{acme['id']}")
    assert response.status_code == 409
    assert "1 contacts" in response.json()["detail"]
    assert operator.get(f"/customers/{acme['id']}").status_code == 200
    assert operator.delete(f"/contacts/{contact.json()['id']}").status_code == 204
    assert operator.delete(f"/customers/{acme['id']}").status_code == 204
    assert operator.get(f"/customers/{acme['id']}").status_code == 404


def test_unknown_ids_are_404(operator: Api) -> None:
    assert operator.get("/customers/999").status_code == 404
    assert operator.patch("/customers/999", {"name": "X"}).status_code == 404
    assert operator.delete("/customers/999").status_code == 404


def test_roles(viewer: Api, anonymous: Api, operator: Api) -> None:
    assert anonymous.get("/customers").status_code == 401
    assert viewer.get("/customers").status_code == 200
    response = viewer.post("/customers", {"name": "Nope"})
    assert response.status_code == 403
    acme = create(operator)
    assert viewer.patch(f"/customers/{acme['id']}", {"name": "Nope"}).status_code == 403
    assert viewer.delete(f"/customers/{acme['id']}").status_code == 403
    assert operator.get(f"/customers/{acme['id']}").json()["name"] == "Acme Telecom"
    assert count(operator) == 1


def test_delete_refused_while_the_customer_has_cdrs(operator: Api) -> None:
    customer = create(operator)
    cdr = {
        "call_id": "c-1",
        "customer_id": customer["id"],
        "start_time": "2026-11-01T10:00:00Z",
        "end_time": "2026-11-01T10:00:30Z",
        "duration": 0,
        "callee": "442071234567",
        "sip_code": 486,
        "charge": "0",
    }
    assert operator.post("/cdrs", [cdr]).json()["accepted"] == 1
    response = operator.delete(f"/customers/{customer['id']}")
    assert response.status_code == 409
    assert "call records" in response.json()["detail"]
    assert operator.get(f"/customers/{customer['id']}").status_code == 200


def test_a_customer_counts_its_contacts_in_every_answer(operator: Api) -> None:
    customer = operator.post("/customers", {"name": "Acme"}).json()
    assert customer["contact_count"] == 0
    for n in range(2):
        body = {"name": f"Ann {n}", "email": f"ann{n}@acme.example"}
        assert operator.post(f"/customers/{customer['id']}/contacts", body).status_code == 201
    assert operator.get(f"/customers/{customer['id']}").json()["contact_count"] == 2
    patched = operator.patch(f"/customers/{customer['id']}", {"name": "Acme Ltd"})
    assert patched.json()["contact_count"] == 2
    listed = operator.get("/customers").json()["items"]
    assert [c["contact_count"] for c in listed] == [2]
