"""My Profile (PRODUCT.md §10): name, phone and mobile with the Control Panel's validation,
the email read-only, the password change, and TOTP on and off."""

from __future__ import annotations

from typing import Any

import pyotp

from portal.portal_helpers import PASSWORD, Portal, audit, contact_row, outbox

NEW_PASSWORD = "Fresh!Passw0rd-27"


def test_profile_shows_the_details_and_the_email_read_only(
    ann_portal: Portal, ann: dict[str, Any]
) -> None:
    page = ann_portal.get("/portal/profile")
    assert page.status_code == 200
    assert 'name="name"' in page.text and 'value="Ann Lee"' in page.text
    assert 'value="+447911123456"' in page.text
    assert 'value="ann@acme.example" readonly' in page.text
    assert 'name="email"' not in page.text


def test_saving_the_profile_stores_e164_and_clears_mobile_verified(
    ann_portal: Portal, ann: dict[str, Any], operator: Any, db_url: str
) -> None:
    operator.patch(f"/contacts/{ann['id']}", {"mobile_verified": True})
    form = {"name": "Ann Lee-Smith", "phone": "+44 20 7123 4567", "mobile": "+44 7400 123456"}
    saved = ann_portal.post("/portal/profile", form)
    assert saved.url.path == "/portal/profile" and "Your profile was saved." in saved.text
    row = contact_row(db_url, ann["id"])
    assert (row["name"], row["phone"], row["mobile"]) == (
        "Ann Lee-Smith",
        "+442071234567",
        "+447400123456",
    )
    assert row["mobile_verified"] is False
    update = audit(db_url, "update", ann["id"])[-1]
    assert update.actor == "ann@acme.example" and update.on_behalf_of is None
    assert update.changes["name"] == ["Ann Lee", "Ann Lee-Smith"]


def test_bad_input_shows_the_field_error_and_changes_nothing(
    ann_portal: Portal, ann: dict[str, Any], db_url: str
) -> None:
    before = contact_row(db_url, ann["id"])
    bad_phone = ann_portal.post("/portal/profile", {"name": "Ann", "phone": "12ab", "mobile": ""})
    assert bad_phone.status_code == 422
    assert 'id="e-phone"' in bad_phone.text and 'value="12ab"' in bad_phone.text
    no_name = ann_portal.post("/portal/profile", {"name": " ", "phone": "", "mobile": ""})
    assert no_name.status_code == 422
    assert '<div class="invalid-feedback" id="e-name">is required</div>' in no_name.text
    # The email is read-only: a forged field is not taken.
    forged = {"name": "Ann Lee", "email": "mallory@evil.example", "mobile": "+447911123456"}
    assert ann_portal.post("/portal/profile", forged).status_code == 200
    after = contact_row(db_url, ann["id"])
    for field in ("name", "email", "email_key", "phone", "mobile", "updated_at"):
        assert after[field] == before[field], field


def test_a_form_without_the_csrf_token_is_refused(
    ann_portal: Portal, ann: dict[str, Any], db_url: str
) -> None:
    before = contact_row(db_url, ann["id"])
    for token in ("", "forged"):
        form = {"name": "Hijacked", "csrf_token": token}
        response = ann_portal.post("/portal/profile", form)
        assert response.status_code == 403
        assert "The form has expired" in response.text
    assert contact_row(db_url, ann["id"])["name"] == before["name"]


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(
    ann_portal: Portal, client: Any, ann: dict[str, Any], db_url: str
) -> None:
    elsewhere = Portal(client.app)
    assert elsewhere.login(ann["email"]).url.path == "/portal/"
    before = contact_row(db_url, ann["id"])["password_hash"]
    cases = [
        ({"current_password": "Wrong!Passw0rd1"}, "e-current_password", "is not your current"),
        ({"confirm_password": "Other!Passw0rd1"}, "e-confirm_password", "does not match"),
        ({"new_password": "weak", "confirm_password": "weak"}, "e-new_password", ""),
    ]
    for change, error_id, message in cases:
        form = {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            **change,
        }
        refused = ann_portal.post("/portal/profile/password", form)
        assert refused.status_code == 422, change
        assert f'id="{error_id}"' in refused.text and message in refused.text
    assert contact_row(db_url, ann["id"])["password_hash"] == before

    form = {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    done = ann_portal.post("/portal/profile/password", form)
    assert "Your password was changed" in done.text and done.url.path == "/portal/profile"
    assert ann_portal.get("/portal/").url.path == "/portal/"  # this session stays
    assert elsewhere.get("/portal/").url.path == "/portal/login"  # the other one ended
    assert "password was changed" in outbox(db_url, ann["email"])[-1].subject
    assert audit(db_url, "password_change", ann["id"])[-1].actor == "ann@acme.example"


def test_a_wrong_current_password_and_a_mismatch_are_both_reported(
    ann_portal: Portal, ann: dict[str, Any], db_url: str
) -> None:
    before = contact_row(db_url, ann["id"])["password_hash"]
    form = {
        "current_password": "Wrong!Passw0rd1",
        "new_password": NEW_PASSWORD,
        "confirm_password": "Other!Passw0rd1",
    }
    refused = ann_portal.post("/portal/profile/password", form)
    assert refused.status_code == 422
    assert 'id="e-current_password"' in refused.text and "is not your current" in refused.text
    assert 'id="e-confirm_password"' in refused.text and "does not match" in refused.text
    assert contact_row(db_url, ann["id"])["password_hash"] == before


def test_totp_enrolment_shows_the_qr_code_and_the_recovery_codes_once(
    ann_portal: Portal, ann: dict[str, Any], db_url: str
) -> None:
    assert ann_portal.get("/portal/profile/totp.svg").status_code == 404  # nothing pending
    page = ann_portal.post("/portal/profile/totp")
    assert '<img class="totp-qr border bg-white" src="/portal/profile/totp.svg"' in page.text
    secret = contact_row(db_url, ann["id"])["totp_pending"]
    assert secret and f'class="totp-secret fs-6">{secret}<' in page.text
    qr = ann_portal.get("/portal/profile/totp.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert qr.text.lstrip().startswith("<?xml") and "<svg" in qr.text

    wrong = ann_portal.post("/portal/profile/totp/confirm", {"code": "123"})
    assert wrong.status_code == 422 and 'id="e-code"' in wrong.text
    assert contact_row(db_url, ann["id"])["totp_secret"] is None

    confirmed = ann_portal.post("/portal/profile/totp/confirm", {"code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 200
    assert confirmed.url.path == "/portal/profile"  # POST/redirect/GET: a reload posts nothing
    assert [r.status_code for r in confirmed.history] == [303]
    assert confirmed.text.count('<li class="col">') == 10
    row = contact_row(db_url, ann["id"])
    assert row["totp_secret"] == secret and row["totp_pending"] is None
    again = ann_portal.get("/portal/profile")
    assert '<li class="col">' not in again.text and secret not in again.text
    assert audit(db_url, "update", ann["id"])[-1].changes == {"totp": ["off", "on"]}

    refused = ann_portal.post("/portal/profile/totp/disable", {"password": "Wrong!Passw0rd1"})
    assert refused.status_code == 422 and 'id="e-password"' in refused.text
    assert contact_row(db_url, ann["id"])["totp_secret"] == secret
    off = ann_portal.post("/portal/profile/totp/disable", {"password": PASSWORD})
    assert "Two-factor authentication is off." in off.text
    assert contact_row(db_url, ann["id"])["totp_secret"] is None
