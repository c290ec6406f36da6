"""My account › Change password (issue 14, item 11): current, new and repeated password, the
policy said on the form, and every reason for a refusal named at once."""

from __future__ import annotations

from sqlalchemy import select

from carrierdesk.db import transaction
from carrierdesk.models import User
from fixtures.panel import Panel, field_errors
from support import PASSWORD

NEW = "N3w!Password-2026"


def password_hash(db_url: str) -> str:
    with transaction(db_url) as session:
        return session.scalars(select(User.password_hash)).one()


def test_the_form_asks_for_current_new_and_repeated_password_with_the_policy(
    panel: Panel,
) -> None:
    page = panel.get("/account").text
    for name in ("current_password", "new_password", "confirm_password"):
        assert f'name="{name}"' in page
    assert "8 to 128 characters, with an upper-case and a lower-case letter" in page


def test_a_wrong_current_password_and_a_mismatch_are_both_named(panel: Panel, db_url: str) -> None:
    before = password_hash(db_url)
    form = {"current_password": "Wrong!Passw0rd", "new_password": NEW, "confirm_password": "x"}
    answer = panel.post("/account/password", form)
    assert answer.status_code == 422
    assert field_errors(answer.text) == {
        "current_password": "is not your current password",
        "confirm_password": "does not match the new password",
    }
    weak = panel.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "weak", "confirm_password": "weak"},
    )
    assert "must contain an upper-case letter" in field_errors(weak.text)["new_password"]
    assert password_hash(db_url) == before
    done = panel.submit(
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW, "confirm_password": NEW},
    )
    assert "Password changed" in done.text and password_hash(db_url) != before
