"""Internal Number Blocks through the API (PRODUCT.md §3)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from carrierdesk.db import transaction
from carrierdesk.models import AuditEntry, NumberBlock
from fixtures.builders import make_customer
from fixtures.records import SetBlocks


def blocks_of(api: Any, customer_id: int) -> list[tuple[int, int]]:
    response = api.get(f"/customers/{customer_id}/number-blocks")
    assert response.status_code == 200, response.text
    return [(b["start"], b["end"]) for b in response.json()["items"]]


def assign(api: Any, customer_id: int) -> tuple[int, int]:
    response = api.post(f"/customers/{customer_id}/number-blocks")
    assert response.status_code == 201, response.text
    return response.json()["start"], response.json()["end"]


def count_blocks(db_url: str) -> int:
    with transaction(db_url) as session:
        return session.scalar(select(func.count(NumberBlock.id))) or 0


def test_assigning_without_settings_names_settings_options(
    operator: Any, acme: int, db_url: str, set_blocks: SetBlocks
) -> None:
    response = operator.post(f"/customers/{acme}/number-blocks")
    assert response.status_code == 409
    assert "Settings › Options" in response.json()["detail"]
    assert response.json()["settings_url"] == "/settings/options"
    set_blocks(1000, None)
    assert operator.post(f"/customers/{acme}/number-blocks").status_code == 409
    assert count_blocks(db_url) == 0


def test_a_range_start_beyond_the_largest_number_is_refused(
    operator: Any, acme: int, db_url: str, set_blocks: SetBlocks
) -> None:
    set_blocks(999_999_999_999_999_950, 100)  # the block would end past the largest number
    response = operator.post(f"/customers/{acme}/number-blocks")
    assert response.status_code == 409
    assert response.json()["settings_url"] == "/settings/options"
    assert count_blocks(db_url) == 0


def test_blocks_are_the_lowest_aligned_free_ranges(
    operator: Any, acme: int, northwind: int, set_blocks: SetBlocks
) -> None:
    set_blocks(1000, 100)
    assert assign(operator, acme) == (1000, 1099)
    assert assign(operator, northwind) == (1100, 1199)
    assert assign(operator, acme) == (1200, 1299)
    assert blocks_of(operator, acme) == [(1000, 1099), (1200, 1299)]
    assert blocks_of(operator, northwind) == [(1100, 1199)]


def test_a_freed_block_is_handed_out_again_first(
    operator: Any, acme: int, northwind: int, set_blocks: SetBlocks
) -> None:
    set_blocks(1000, 100)
    assign(operator, acme)
    assign(operator, acme)
    first_id = operator.get(f"/customers/{acme}/number-blocks").json()["items"][0]["id"]
    assert operator.delete(f"/number-blocks/{first_id}").status_code == 204
    assert assign(operator, northwind) == (1000, 1099)


def test_changed_settings_never_move_or_overlap_existing_blocks(
    operator: Any, acme: int, northwind: int, set_blocks: SetBlocks
) -> None:
    set_blocks(1000, 100)
    assign(operator, acme)  # 1000–1099
    assign(operator, northwind)  # 1100–1199
    set_blocks(1000, 50)
    assert assign(operator, acme) == (1200, 1249)
    set_blocks(1050, 100)  # 1050–1149 and 1150–1249 overlap; 1250–1349 is free
    assert assign(operator, northwind) == (1250, 1349)
    set_blocks(500, 1000)  # 500–1499 overlaps everything; the next aligned one is 1500
    assert assign(operator, acme) == (1500, 2499)
    set_blocks(0, 100)  # below every block: the gap 0–999 is used first
    assert assign(operator, acme) == (0, 99)
    assert blocks_of(operator, northwind) == [(1100, 1199), (1250, 1349)]
    assert blocks_of(operator, acme) == [(0, 99), (1000, 1099), (1200, 1249), (1500, 2499)]


def test_a_range_holding_another_customers_extension_is_skipped(
    operator: Any, acme: int, northwind: int, set_blocks: SetBlocks
) -> None:
    body = {"username": "1005", "password": "Sip-Secret-2026"}
    assert operator.post(f"/customers/{northwind}/sip-users", body).status_code == 201
    set_blocks(1000, 100)
    assert assign(operator, acme) == (1100, 1199)
    assert assign(operator, northwind) == (1000, 1099)  # its own extension is welcome


def test_deleting_a_block_in_use_names_the_extensions(
    operator: Any, acme: int, db_url: str, set_blocks: SetBlocks
) -> None:
    set_blocks(1000, 100)
    assign(operator, acme)
    block_id = operator.get(f"/customers/{acme}/number-blocks").json()["items"][0]["id"]
    sip = operator.post(f"/customers/{acme}/sip-users", {"username": "1007"})
    room = operator.post(f"/customers/{acme}/conferences", {"name": "Board", "extension": "1003"})
    assert sip.status_code == 201 and room.status_code == 201
    response = operator.delete(f"/number-blocks/{block_id}")
    assert response.status_code == 409
    assert "1003, 1007" in response.json()["detail"]
    assert response.json()["extensions"] == ["1003", "1007"]
    assert count_blocks(db_url) == 1
    operator.delete(f"/sip-users/{sip.json()['id']}")
    operator.delete(f"/conferences/{room.json()['id']}")
    assert operator.delete(f"/number-blocks/{block_id}").status_code == 204
    assert count_blocks(db_url) == 0


def test_free_extensions_skip_used_numbers_across_blocks(
    operator: Any, acme: int, northwind: int, set_blocks: SetBlocks
) -> None:
    set_blocks(100, 5)
    assign(operator, acme)  # 100–104
    assign(operator, northwind)  # 105–109
    assign(operator, acme)  # 110–114
    for username in ("100", "102", "103"):
        assert operator.post(f"/customers/{acme}/sip-users", {"username": username}).is_success
    free = operator.get(f"/customers/{acme}/extensions/free", params={"limit": 4})
    assert free.json()["items"] == ["101", "104", "110", "111"]
    all_free = operator.get(f"/customers/{acme}/extensions/free").json()["items"]
    assert all_free == ["101", "104", "110", "111", "112", "113", "114"]
    none = operator.get(f"/customers/{operator_blockless(operator)}/extensions/free")
    assert none.json()["items"] == []


def operator_blockless(api: Any) -> int:
    return make_customer(api, "No Blocks Ltd")


def test_free_extensions_limit_is_checked(operator: Any, acme: int) -> None:
    response = operator.get(f"/customers/{acme}/extensions/free", params={"limit": 0})
    assert response.status_code == 422


def test_viewer_cannot_assign_or_delete(
    viewer: Any, operator: Any, acme: int, db_url: str, set_blocks: SetBlocks
) -> None:
    set_blocks(1000, 100)
    assert viewer.post(f"/customers/{acme}/number-blocks").status_code == 403
    assert count_blocks(db_url) == 0
    assign(operator, acme)
    block_id = viewer.get(f"/customers/{acme}/number-blocks").json()["items"][0]["id"]
    assert viewer.delete(f"/number-blocks/{block_id}").status_code == 403
    assert count_blocks(db_url) == 1


def test_unknown_customer_and_block_are_404(operator: Any, set_blocks: SetBlocks) -> None:
    set_blocks(1000, 100)
    assert operator.post("/customers/999/number-blocks").status_code == 404
    assert operator.delete("/number-blocks/999").status_code == 404
    assert operator.get("/customers/999/extensions/free").status_code == 404


def test_a_customer_holding_a_block_cannot_be_deleted(
    operator: Any, acme: int, set_blocks: SetBlocks
) -> None:
    set_blocks(1000, 100)
    assign(operator, acme)
    response = operator.delete(f"/customers/{acme}")
    assert response.status_code == 409
    assert "1 number blocks" in response.json()["detail"]
    assert operator.get(f"/customers/{acme}").status_code == 200


def test_assign_and_delete_are_audited(
    operator: Any, acme: int, db_url: str, set_blocks: SetBlocks
) -> None:
    set_blocks(1000, 100)
    block = operator.post(f"/customers/{acme}/number-blocks").json()
    operator.delete(f"/number-blocks/{block['id']}")
    with transaction(db_url) as session:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == "number_blocks")
            .order_by(AuditEntry.id)
        ).all()
        assert [(e.action, e.record_id, e.customer_id) for e in entries] == [
            ("create", block["id"], acme),
            ("delete", block["id"], acme),
        ]
        assert entries[0].changes["start"] == [None, 1000]
