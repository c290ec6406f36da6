"""Contacts through the API: PRODUCT.md §2, every bad-input rule with nothing changed."""

from __future__ import annotations

from typing import Any

import pytest

from fixtures.builders import make_contact, make_customer
from support import PASSWORD, Api, problem_fields


def add(api: Api, customer_id: int, **fields: Any) -> dict:
    """A contact of the customer; the email is written in mixed case, as people type it."""
    return make_contact(api, customer_id, **{"email": "Ann.Lee@Acme.example", **fields})


def contacts(api: Api) -> list[dict]:
    return api.get("/contacts").json()["items"]


def test_create_with_every_field(operator: Api, acme: int) -> None:
    contact = add(
        operator,
        acme,
        phone="+44 20 7123 4567",
        mobile="+1 (202) 555-0143",
        contact_type="billing",
        public_notes="Pays on the 5th",
        private_notes="VIP",
        email_verified=True,
        ip_whitelist=["10.0.0.7", "192.168.1.77/24", "2001:db8::1/64"],
    )
    assert contact["email"] == "Ann.Lee@Acme.example"  # stored as typed
    assert contact["phone"] == "+442071234567"
    assert contact["mobile"] == "+12025550143"
    assert contact["contact_type"] == "billing"
    assert contact["ip_whitelist"] == ["10.0.0.7", "192.168.1.0/24", "2001:db8::/64"]
    assert contact["email_verified"] is True and contact["mobile_verified"] is False
    assert contact["enabled"] is True and contact["has_password"] is True
    assert contact["customer_name"] == "Acme Telecom"
    assert "password" not in contact and "password_hash" not in contact


def test_auto_generated_password_is_emailed_never_shown(
    operator: Api, admin: Api, acme: int
) -> None:
    response = operator.post(
        f"/customers/{acme}/contacts", {"name": "Ann", "email": "ann@acme.example"}
    )
    assert response.status_code == 201
    outbox = admin.get("/outbox").json()["items"]
    assert len(outbox) == 1
    mail = outbox[0]
    assert mail["to"] == "ann@acme.example" and mail["status"] == "held"
    assert "Password: ••••••••" in mail["body"]  # masked in the list, for admins too
    revealed = admin.post(f"/outbox/{mail['id']}/reveal").json()["body"]
    password = next(line.split()[-1] for line in revealed.splitlines() if "Password:" in line)
    assert password not in admin.get("/outbox").text
    assert len(password) >= 16
    assert password not in response.text
    audit = admin.get("/audit-log").text
    assert password not in audit
    token = operator.post("/auth/token", {"email": "ANN@acme.example", "password": password})
    assert token.status_code == 200
    assert token.json()["principal"] == {
        "kind": "contact",
        "id": response.json()["id"],
        "role": None,
        "customer_id": acme,
    }


def test_email_is_unique_account_wide_case_insensitively(operator: Api, acme: int) -> None:
    other = make_customer(operator, "Other")
    add(operator, acme, email="ann@acme.example")
    response = operator.post(
        f"/customers/{other}/contacts", {"name": "Ann 2", "email": "ANN@ACME.EXAMPLE"}
    )
    assert response.status_code == 409
    assert "email" in problem_fields(response)
    assert len(contacts(operator)) == 1


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"email": "not-an-email"}, "email", "email"),
        ({"name": ""}, "name", "must not be empty"),
        ({"phone": "12345"}, "phone", "phone number"),
        ({"mobile": "+44 20 7123"}, "mobile", "not a valid phone number"),
        ({"contact_type": "boss"}, "contact_type", "general"),
        ({"ip_whitelist": ["10.0.0.300"]}, "ip_whitelist", "not an IP address"),
        ({"auto_generate_password": False}, "password", "is required"),
        ({"auto_generate_password": True, "password": "Xx1!xxxxxx"}, "password", "leave it"),
        ({"public_notes": "password: hunter2"}, "public_notes", "credential"),
        ({"private_notes": "portal pwd=Secret123"}, "private_notes", "credential"),
        (
            {
                "auto_generate_password": False,
                "password": "Sup3r!Secret",
                "private_notes": "his login is Sup3r!Secret",
            },
            "private_notes",
            "password",
        ),
        ({"surname": "Lee"}, "surname", "is not a field that can be set here"),
    ],
)
def test_bad_input_is_refused_and_nothing_stored(
    operator: Api, admin: Api, acme: int, fields: dict, field: str, words: str
) -> None:
    body = {"name": "Ann", "email": "ann@acme.example", **fields}
    response = operator.post(f"/customers/{acme}/contacts", body)
    assert response.status_code == 422, response.text
    errors = problem_fields(response)
    assert field in errors, errors
    assert words.lower() in errors[field].lower()
    assert contacts(operator) == []
    assert admin.get("/outbox").json()["total"] == 0


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Sh0rt!", "8 to 128"),
        ("alllower1!", "upper-case"),
        ("ALLUPPER1!", "lower-case"),
        ("NoDigits!!", "digit"),
        ("NoSymbols11", "symbol"),
        ("Xann@acme.example1!", "email"),
        ("A1!" + "a" * 126, "8 to 128"),
    ],
)
def test_manual_password_policy_names_each_rule(
    operator: Api, acme: int, password: str, rule: str
) -> None:
    response = operator.post(
        f"/customers/{acme}/contacts",
        {
            "name": "Ann",
            "email": "ann@acme.example",
            "auto_generate_password": False,
            "password": password,
        },
    )
    assert response.status_code == 422
    assert rule in response.json()["detail"]
    assert contacts(operator) == []


def test_manual_password_works_for_login(operator: Api, acme: int, admin: Api) -> None:
    add(operator, acme, email="raj@acme.example", auto_generate_password=False, password=PASSWORD)
    assert admin.get("/outbox").json()["total"] == 0
    login = operator.post("/auth/token", {"email": "raj@acme.example", "password": PASSWORD})
    assert login.status_code == 200


def test_update_fields_and_email_rules(operator: Api, acme: int) -> None:
    ann = add(operator, acme, email_verified=True)
    raj = add(operator, acme, name="Raj", email="raj@acme.example")
    response = operator.patch(
        f"/contacts/{ann['id']}", {"mobile": "+442079460958", "contact_type": "noc"}
    )
    assert response.status_code == 200
    assert response.json()["mobile"] == "+442079460958"
    taken = operator.patch(f"/contacts/{raj['id']}", {"email": "ANN.LEE@acme.example"})
    assert taken.status_code == 409
    assert operator.get(f"/contacts/{raj['id']}").json()["email"] == "raj@acme.example"
    moved = operator.patch(f"/contacts/{ann['id']}", {"email": "ann.lee@new.example"})
    assert moved.json()["email_verified"] is False  # a new address is not verified yet
    bad = operator.patch(f"/contacts/{ann['id']}", {"phone": "call me"})
    assert bad.status_code == 422 and "phone" in problem_fields(bad)
    assert operator.get(f"/contacts/{ann['id']}").json()["phone"] is None


def test_notes_may_not_hold_the_current_password(operator: Api, acme: int) -> None:
    ann = add(operator, acme, auto_generate_password=False, password=PASSWORD)
    response = operator.patch(
        f"/contacts/{ann['id']}", {"private_notes": f"reminder {PASSWORD} for later"}
    )
    assert response.status_code == 422
    assert "current password" in problem_fields(response)["private_notes"]
    assert operator.get(f"/contacts/{ann['id']}").json()["private_notes"] == ""


def test_change_password_auto_and_manual_ends_sessions(
    operator: Api, admin: Api, acme: int
) -> None:
    ann = add(operator, acme, auto_generate_password=False, password=PASSWORD)
    session = operator.post("/auth/token", {"email": ann["email"], "password": PASSWORD})
    contact = Api(operator.client, session.json()["access_token"])
    assert contact.get(f"/customers/{acme}").status_code == 200

    weak = operator.post(
        f"/contacts/{ann['id']}/password", {"auto_generate": False, "password": "weak"}
    )
    assert weak.status_code == 422
    assert contact.get(f"/customers/{acme}").status_code == 200  # nothing changed

    assert (
        operator.post(f"/contacts/{ann['id']}/password", {"auto_generate": True}).status_code == 204
    )
    assert contact.get(f"/customers/{acme}").status_code == 401  # its session ended
    mail = admin.get("/outbox").json()["items"][0]
    assert "new" in mail["subject"].lower()
    revealed = admin.post(f"/outbox/{mail['id']}/reveal").json()["body"]
    new_password = next(line.split()[-1] for line in revealed.splitlines() if "Password:" in line)
    assert (
        operator.post("/auth/token", {"email": ann["email"], "password": PASSWORD}).status_code
        == 401
    )
    assert (
        operator.post("/auth/token", {"email": ann["email"], "password": new_password}).status_code
        == 200
    )
    audit = admin.get("/audit-log", params={"action": "password_change"}).json()["items"]
    assert audit[0]["changes"] == {"password": ["••••••", "••••••"]}


def test_contact_token_sees_only_its_own_customer(operator: Api, acme: int) -> None:
    other = make_customer(operator, "Other Co")
    add(operator, acme, auto_generate_password=False, password=PASSWORD, private_notes="VIP")
    stranger = add(operator, other, name="Bob", email="bob@other.example")
    token = operator.post("/auth/token", {"email": "ann.lee@acme.example", "password": PASSWORD})
    ann = Api(operator.client, token.json()["access_token"])
    assert ann.get(f"/customers/{acme}").status_code == 200
    own = ann.get(f"/customers/{acme}/contacts").json()["items"]
    assert [c["private_notes"] for c in own] == [None]  # private notes never reach customers
    assert ann.get(f"/customers/{other}").status_code == 404
    assert ann.get(f"/customers/{other}/contacts").status_code == 404
    assert ann.get(f"/contacts/{stranger['id']}").status_code == 404
    assert [c["id"] for c in ann.get("/customers").json()["items"]] == [acme]
    for path in ("/contacts", "/audit-log", "/outbox", "/scheduled-changes", "/settings/options"):
        assert ann.get(path).status_code == 403, path
    assert ann.patch(f"/customers/{acme}", {"name": "Hacked"}).status_code == 403
    assert (
        ann.post(
            f"/customers/{acme}/contacts", {"name": "X", "email": "x@acme.example"}
        ).status_code
        == 403
    )
    assert operator.get(f"/customers/{acme}").json()["name"] == "Acme Telecom"


def test_global_contacts_search_filter_sort_page(operator: Api, acme: int) -> None:
    other = make_customer(operator, "Blue Harbour")
    add(operator, acme, name="Zoe", email="zoe@acme.example", contact_type="noc")
    add(operator, acme, name="Adam", email="adam@acme.example", email_verified=True)
    add(operator, other, name="Mia", email="mia@blue.example", phone="+442071234567")

    def names(**params: object) -> list[str]:
        return [c["name"] for c in operator.get("/contacts", params=params).json()["items"]]

    assert names() == ["Adam", "Mia", "Zoe"]
    assert names(sort="-name") == ["Zoe", "Mia", "Adam"]
    assert names(q="harbour") == ["Mia"]
    assert names(q="2071234") == ["Mia"]
    assert names(contact_type="noc") == ["Zoe"]
    assert names(email_verified="true") == ["Adam"]
    assert names(customer_id=other) == ["Mia"]
    assert names(sort="customer")[0] == "Adam" or names(sort="customer")[-1] == "Mia"
    assert names(limit=1, offset=1) == ["Mia"]
    bad = operator.get("/contacts", params={"sort": "password"})
    assert bad.status_code == 422 and "sort" in problem_fields(bad)


def test_viewer_and_anonymous(viewer: Api, anonymous: Api, operator: Api, acme: int) -> None:
    ann = add(operator, acme)
    assert viewer.get(f"/contacts/{ann['id']}").status_code == 200
    assert viewer.patch(f"/contacts/{ann['id']}", {"name": "X"}).status_code == 403
    assert (
        viewer.post(f"/contacts/{ann['id']}/password", {"auto_generate": True}).status_code == 403
    )
    assert viewer.delete(f"/contacts/{ann['id']}").status_code == 403
    assert anonymous.get(f"/contacts/{ann['id']}").status_code == 401
    assert operator.get(f"/contacts/{ann['id']}").json()["name"] == "Ann Lee"
    assert operator.get("/contacts/9999").status_code == 404
