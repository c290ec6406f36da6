"""Every rejection rule of CDR.md, for one row from CSV (strings) or JSON (any JSON value).

Hand-written rather than a Pydantic model: this runs for every CDR of multi-gigabyte imports,
and a row must report every reason it is rejected, not the first one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from carrierdesk.cdrs.directory import CustomerDirectory, KnownCustomer, provider_key
from carrierdesk.cdrs.fields import MAX_MONEY_DIGITS, TEXT_LIMITS, StoredColumns
from carrierdesk.validation import text_problem

ONE_SECOND = timedelta(seconds=1)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_AHEAD = timedelta(days=1)  # clock skew between the switch and us
MONEY_LIMIT = Decimal(10) ** MAX_MONEY_DIGITS
ZERO = Decimal(0)


class RowErrors(list[str]):
    def add(self, column: str, message: str) -> None:
        self.append(f"{column}: {message}")


def _cleaned(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row without blank values (absent, null, "" or spaces), text stripped: one pass."""
    return {
        key: value
        for key, raw in row.items()
        if (value := raw.strip() if raw.__class__ is str else raw) is not None and value != ""
    }


def _text(row: Mapping[str, Any], column: str, errors: RowErrors, required: bool = False) -> Any:
    value = row.get(column)
    if value is None:
        if required:
            errors.add(column, "is required")
        return None
    if not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, int):
            errors.add(column, "must be text")
            return None
        value = str(value)
    if len(value) > TEXT_LIMITS.get(column, 100):
        errors.add(column, f"must be at most {TEXT_LIMITS.get(column, 100)} characters")
        return None
    if not value.isprintable() and (problem := text_problem(value)) is not None:
        errors.add(column, problem)  # a NUL, which PostgreSQL refuses, or a lone surrogate
        return None
    return value


def _int(
    row: Mapping[str, Any],
    column: str,
    errors: RowErrors,
    required: bool = False,
    low: int = 0,
    high: int = 2_147_483_647,
) -> Any:
    value = row.get(column)
    if value is None:
        if required:
            errors.add(column, "is required")
        return None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and "_" not in value:
        try:
            number = int(value)
        except ValueError:
            number = None
    else:
        number = None
    if number is None:
        errors.add(column, "must be a whole number")
    elif not low <= number <= high:
        errors.add(column, f"must be between {low} and {high}")
        return None
    return number


def _time(
    row: Mapping[str, Any], column: str, errors: RowErrors, required: bool, need_offset: bool
) -> Any:
    value = row.get(column)
    if value is None:
        if required:
            errors.add(column, "is required")
        return None
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        errors.add(column, "must be an ISO 8601 time, e.g. 2026-11-01T12:00:00Z")
        return None
    if parsed.tzinfo is None:
        if need_offset:
            errors.add(column, "must end with Z or a UTC offset")
            return None
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _money(row: Mapping[str, Any], column: str, errors: RowErrors, required: bool = False) -> Any:
    value = row.get(column)
    if value is None:
        if required:
            errors.add(column, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        errors.add(column, "must be a decimal number")
        return None
    text = value if value.__class__ is str else str(value)
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        errors.add(column, "must be a decimal number")
    elif number < 0:
        errors.add(column, "must not be negative")
    elif _places(text, number) > 6:
        errors.add(column, "must have at most 6 decimal places")
    elif number >= MONEY_LIMIT:
        errors.add(column, "is too large")
    else:
        return number
    return None


def _places(text: str, number: Decimal) -> int:
    dot = text.find(".")
    if "e" in text or "E" in text:
        return max(0, -int(number.as_tuple().exponent))
    return 0 if dot < 0 else len(text) - dot - 1


def _customer(
    row: Mapping[str, Any], directory: CustomerDirectory, errors: RowErrors
) -> KnownCustomer | None:
    found: list[tuple[str, KnownCustomer | None]] = []
    customer_id = _int(row, "customer_id", errors, low=1)
    if customer_id is not None:
        found.append(("customer_id", directory.by_id.get(customer_id)))
    for column, table in (("customer_ref", directory.by_ref), ("sip_user", directory.by_sip_user)):
        key = _text(row, column, errors)
        if key is not None:
            found.append((column, table.get(key)))
    if not found:
        if not any(e.startswith("customer_id:") for e in errors):
            errors.add("customer_id", "one of customer_id, customer_ref or sip_user is required")
        return None
    missing = [column for column, customer in found if customer is None]
    for column in missing:
        errors.add(column, "does not match any customer")
    known = {c.id: c for _column, c in found if c is not None}
    if len(known) > 1:
        errors.add(found[1][0], f"belongs to another customer than {found[0][0]}")
    if missing or len(known) != 1:
        return None
    return next(iter(known.values()))


def validate(row: Mapping[str, Any], directory: CustomerDirectory) -> StoredColumns | RowErrors:
    """The row as stored, or every reason it is rejected."""
    errors = RowErrors()
    row = _cleaned(row)
    call_id = _text(row, "call_id", errors, required=True)
    customer = _customer(row, directory, errors)
    start = _time(row, "start_time", errors, required=True, need_offset=True)
    answer = _time(row, "answer_time", errors, required=False, need_offset=False)
    end = _time(row, "end_time", errors, required=True, need_offset=False)
    duration = _int(row, "duration", errors, required=True)
    billed = _int(row, "billed_duration", errors)
    sip_code = _int(row, "sip_code", errors, required=True, low=100, high=699)
    pdd_ms = _int(row, "pdd_ms", errors)
    ring_ms = _int(row, "ring_ms", errors)
    direction = row.get("direction") or "outbound"
    if direction not in ("outbound", "inbound"):
        errors.add("direction", "must be outbound or inbound")
    rate = _money(row, "rate", errors)
    charge = _money(row, "charge", errors)
    cost = _money(row, "cost", errors)
    dest_code = _text(row, "dest_code", errors)
    if dest_code is not None and not (dest_code.isdigit() and dest_code.isascii()):
        errors.add("dest_code", "must be digits only")
    currency = row.get("currency")
    if customer is not None and currency is not None and currency != customer.currency:
        errors.add("currency", f"must be the customer's currency, {customer.currency}")
    if start is not None and not EARLIEST <= start <= datetime.now(UTC) + LATEST_AHEAD:
        errors.add("start_time", "is not a plausible call time (from 2000 until tomorrow)")
    _check_times(start, answer, end, duration, sip_code, errors)
    texts = [_text(row, c, errors) for c in ("caller", "dest_name", "sip_reason")]
    release_reason = _text(row, "release_reason", errors)
    sip_user = _text(row, "sip_user", RowErrors())
    callee = _text(row, "callee", errors, required=True)
    provider_id = _provider(row, directory, errors)
    if errors:
        return errors
    assert customer is not None
    return StoredColumns(
        customer.id,
        start,
        call_id,
        sip_user,
        answer,
        end,
        duration,
        duration if billed is None else billed,
        texts[0],
        callee,
        dest_code,
        texts[1],
        sip_code,
        texts[2],
        release_reason,
        pdd_ms,
        ring_ms,
        direction,
        rate,
        charge,
        ZERO if cost is None and provider_id is None else cost,
        0,
        provider_id,
    )


def _provider(row: Mapping[str, Any], directory: CustomerDirectory, errors: RowErrors) -> Any:
    name = _text(row, "provider", errors)
    if name is None:
        return None
    found = directory.providers.get(provider_key(name))
    if found is None:
        errors.add("provider", "does not match any provider")
    return found


def _check_times(
    start: datetime | None,
    answer: datetime | None,
    end: datetime | None,
    duration: int | None,
    sip_code: int | None,
    errors: RowErrors,
) -> None:
    if start is not None and end is not None and end < start:
        errors.add("end_time", "is before start_time")
    if answer is not None and start is not None and end is not None and not start <= answer <= end:
        errors.add("answer_time", "is outside start_time … end_time")
    if sip_code is not None:
        answered_code = 200 <= sip_code <= 299
        if answer is not None and not answered_code:
            errors.add("sip_code", "must be 2xx on an answered call (answer_time is set)")
        if answer is None and answered_code:
            errors.add("sip_code", "is 2xx but the call has no answer_time")
    if duration is None:
        return
    if answer is None and duration > 0:
        errors.add("duration", "must be 0 on an unanswered call")
    if answer is not None and end is not None and duration > 0:
        talk = end - answer
        if timedelta(seconds=duration) > talk + ONE_SECOND:
            errors.add("duration", "is longer than end_time − answer_time (+1 s)")
