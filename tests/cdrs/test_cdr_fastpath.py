"""The vectorised recogniser against validate.py, the definition of every rule.

On any row, the recogniser either leaves it undecided or stores exactly what validate.py would
store: it never passes a row validate.py refuses. On the rows a switch sends (canonical, UTC),
it decides them all, so that the import really takes the fast way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carrierdesk.cdrs.directory import CustomerDirectory, KnownCustomer
from carrierdesk.cdrs.fastpath import ROW, frame_of_stored, recognise
from carrierdesk.cdrs.fields import CANONICAL
from carrierdesk.cdrs.synthetic import canonical, profiles, synthetic_cdrs
from carrierdesk.cdrs.validate import RowErrors, validate

ALICE, BOB = KnownCustomer(1, "USD"), KnownCustomer(2, "EUR")
DIRECTORY = CustomerDirectory(
    {1: ALICE, 2: BOB}, {"ALICE": ALICE, "BOB": BOB}, {"alice-100": ALICE, "bob-200": BOB}
)
NOW = datetime.now(UTC).replace(microsecond=0)

times = st.sampled_from(
    [
        "2026-10-01T00:01:29Z", "2026-10-01T00:01:29.5Z", "2026-10-01T00:01:29.123456Z",
        "2026-10-01T00:01:29.1234567Z", "2026-10-01T02:01:29+02:00", "2026-09-30T20:01:29-04:00",
        "2026-10-01T00:01:29", "2026-10-01 00:01:29Z", "2026-10-01T00:01:60Z",
        "2026-10-01T24:00:00Z", "0000-10-01T00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-10-01T00:03:39Z", "2026-10-01T00:01:47Z", "1999-12-31T23:59:59Z",
        "20261001T000129Z", "2026-10-01T00:01:29+0200", "2026-10-01T00:01:29+24:00",
        " 2026-10-01T00:01:29Z", "2026-10-01T00:01:29Z ", "",
        (NOW + timedelta(days=1, minutes=5)).isoformat(), (NOW - timedelta(hours=2)).isoformat(),
    ]
)  # fmt: skip
wholes = st.one_of(
    st.sampled_from(["0", "00", "7", "60", "112", "120", "+5", "-1", " 5", "5 ", "1_0", "٣",
                     "2147483647", "2147483648", "99999999999", "", "1.0", "1e3"]),
    st.integers(-5, 3000),
)  # fmt: skip
codes = st.sampled_from(["99", "100", "200", "299", "300", "486", "699", "700", "", "2OO"])
money = st.one_of(
    st.sampled_from(["0", "0.022", "0.022000", "1.0000001", "-0.5", ".5", "5.", "1e-3",
                     "999999999999.999999", "1000000000000", "NaN", "Infinity", " 1", ""]),
    st.integers(0, 10**13),
    st.floats(allow_nan=True, allow_infinity=True),
)  # fmt: skip
texts = st.one_of(
    st.sampled_from(["", " ", "x", " x", "x ", "\x1cx", "x\x1f", "a\tb", "a\nb", "a\x00b",
                     "a\x85b", "\u00a0x", "x\u3000", "Côte d'Ivoire", "☎", "\u200bx", "a" * 64,
                     "a" * 65, "a" * 101, "a" * 129]),
    st.text(max_size=8),
    st.integers(0, 99),
    st.booleans(),
)  # fmt: skip
customer_keys = st.fixed_dictionaries(
    {},
    optional={
        "customer_id": st.sampled_from(["1", "2", "3", "0", "01", "x", 1, 2, True, ""]),
        "customer_ref": st.sampled_from(["ALICE", "BOB", "alice", " ALICE", "", 5]),
        "sip_user": st.sampled_from(["alice-100", "bob-200", "nobody", ""]),
    },
)
rows = st.builds(
    lambda keys, values: {**keys, **values},
    customer_keys,
    st.fixed_dictionaries(
        {},
        optional={
            "call_id": texts,
            "start_time": times,
            "answer_time": times,
            "end_time": times,
            "duration": wholes,
            "billed_duration": wholes,
            "caller": texts,
            "callee": texts,
            "dest_code": st.sampled_from(["49", "0049", "4a", "٤٩", "", "1" * 33]),
            "dest_name": texts,
            "sip_code": codes,
            "sip_reason": texts,
            "release_reason": texts,
            "pdd_ms": wholes,
            "ring_ms": wholes,
            "direction": st.sampled_from(["outbound", "inbound", "Inbound", " inbound", "", 0]),
            "rate": money,
            "charge": money,
            "cost": money,
            "currency": st.sampled_from(["USD", "EUR", "usd", "", " USD"]),
        },
    ),
)


def _switch_rows(count: int) -> list[dict[str, Any]]:
    people = profiles([1, 2], seed=7)
    start = datetime(2026, 10, 1, tzinfo=UTC)
    calls = synthetic_cdrs(people, start, 48, count, 7, "fast")
    as_csv = [["" if v is None else str(v) for v in canonical(c)] for c in calls]  # as csv
    return [dict(zip(CANONICAL, values, strict=True)) for values in as_csv][:count]


SWITCH_ROWS = _switch_rows(200)


def _agree(batch: list[Any]) -> int:
    """Assert the recogniser agrees with validate.py on the batch; the rows it decided."""
    recognised = recognise(batch, DIRECTORY)
    stored = recognised.stored
    decided = stored[ROW].to_list()
    assert sorted(decided + recognised.undecided) == list(range(len(batch)))
    for position in decided:
        verdict = validate(batch[position], DIRECTORY)
        assert not isinstance(verdict, RowErrors), (batch[position], verdict)
        expected = frame_of_stored([(position, verdict)])
        got = stored.filter(pl.col(ROW) == position)
        assert got.to_dicts() == expected.to_dicts(), batch[position]
    return len(decided)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows, min_size=1, max_size=30))
def test_a_row_the_recogniser_stores_is_one_validate_stores_the_same(batch: list[Any]) -> None:
    _agree(batch)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_valid_row_with_one_field_changed(data: st.DataObject) -> None:
    """Near misses: a switch's row with one or two fields replaced by a tricky value."""
    batch = []
    for row in data.draw(st.lists(st.sampled_from(SWITCH_ROWS), min_size=5, max_size=20)):
        changed = data.draw(rows)
        keep = data.draw(st.lists(st.sampled_from(sorted(changed)), max_size=2)) if changed else []
        batch.append({**row, **{k: changed[k] for k in keep}})
    _agree(batch)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(rows, st.just([1, 2]), st.just("row"), st.none()), max_size=10))
def test_rows_that_are_not_objects_are_left_to_validate(batch: list[Any]) -> None:
    _agree(batch)


def test_a_switchs_rows_are_all_decided_at_once() -> None:
    batch = _switch_rows(2_000)
    assert len(batch) == 2_000
    assert _agree(batch) == 2_000


def test_json_numbers_are_read_as_validate_reads_them() -> None:
    row = _switch_rows(50)[0]
    as_json = {**row, "customer_id": 1, "duration": int(row["duration"]), "pdd_ms": 900}
    assert _agree([as_json]) == 1
    for odd in ({"duration": 1.0}, {"customer_id": True}, {"charge": 0.5}, {"pdd_ms": None}):
        _agree([{**as_json, **odd}])
