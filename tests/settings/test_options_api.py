"""Settings › Options through the API."""

from __future__ import annotations

from support import Api, problem_fields


def test_options_refuse_out_of_range_numbers_and_keep_the_old_value(admin: Api) -> None:
    before = admin.get("/settings/options").json()
    response = admin.patch("/settings/options", {"number_range_start": 10**30})
    assert response.status_code == 422
    assert "number_range_start" in problem_fields(response)
    assert admin.get("/settings/options").json() == before
