"""Shared arrangements of the numbering tests: customers and the block settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def new_customer(admin: Any) -> Callable[[str], int]:
    def make(name: str) -> int:
        response = admin.post("/customers", {"name": name})
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    return make


@pytest.fixture
def set_blocks(admin: Any) -> Callable[[int | None, int | None], None]:
    def configure(start: int | None, size: int | None) -> None:
        body = {"number_range_start": start, "block_size": size}
        response = admin.patch("/settings/options", body)
        assert response.status_code == 200, response.text

    return configure


@pytest.fixture
def acme(new_customer: Callable[[str], int]) -> int:
    return new_customer("Acme Telecom")


@pytest.fixture
def northwind(new_customer: Callable[[str], int]) -> int:
    return new_customer("Northwind Voice")
