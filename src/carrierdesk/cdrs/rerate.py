"""Re-rating (issue 13): the charges and costs carrierdesk computed for one customer's calls in
a range, computed again from the rate cards as they now are. Bounded and audited: refused for
a range an invoice (not void) covers, all or nothing, one audit entry with the totals before
and after; charges and costs the switch sent are never touched. The summaries of the hours it
changed follow at the next refresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import polars as pl
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from carrierdesk.audit.service import record_change
from carrierdesk.auth.permissions import require_staff
from carrierdesk.auth.principals import Principal
from carrierdesk.cdrs.ratebook import load_rating
from carrierdesk.cdrs.rating import RATED_CHARGE, RATED_COST, RATED_DEST, rate
from carrierdesk.errors import Conflict, Invalid, NotFound
from carrierdesk.models import Cdr, Customer, Invoice, SummaryDirty
from carrierdesk.models.cdrs import from_micros, to_micros

TIME = pl.Datetime("us", "UTC")


@dataclass(frozen=True)
class Rerated:
    cdrs: int
    charge_before: Decimal
    charge_after: Decimal
    cost_before: Decimal = Decimal(0)
    cost_after: Decimal = Decimal(0)


def rerate(
    session: Session, principal: Principal, customer_id: int, start: datetime, end: datetime
) -> Rerated:
    require_staff(principal, "write")
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"Customer {customer_id} not found.")
    start, end = _utc(start, "from"), _utc(end, "to")
    if end <= start:
        raise Invalid.field("to", "must be after from")
    _refuse_invoiced(session, customer_id, start, end)
    rows = _rated_cdrs(session, customer_id, start, end)
    charged = (rows["rated"] & RATED_CHARGE) != 0
    if customer.rate_card_id is None and (rows.is_empty() or charged.any()):
        raise Conflict(f"Customer {customer.name} has no rate card to re-rate with.")
    if rows.is_empty():
        return Rerated(0, Decimal(0), Decimal(0))
    book = load_rating(session)
    again = rate(_unrated(rows), book)
    if again.refused:
        _row, reason = again.refused[0]
        raise Conflict(
            f"{len(again.refused):,} of these CDRs cannot be rated now (the first: {reason});"
            " nothing was changed."
        )
    result = Rerated(
        rows.height,
        _total(rows, "charge"),
        _total(again.rows, "charge"),
        _total(rows, "cost"),
        _total(again.rows, "cost"),
    )
    _write(session, again.rows)
    _mark_hours(session, again.rows)
    record_change(
        session,
        principal,
        customer,
        "rerate",
        f"Re-rated {rows.height:,} CDRs from {start.isoformat()} to {end.isoformat()}: "
        f"charge {result.charge_before} → {result.charge_after}, "
        f"cost {result.cost_before} → {result.cost_after}",
        before={
            "cdrs": rows.height,
            "charge": str(result.charge_before),
            "cost": str(result.cost_before),
        },
        after={
            "cdrs": rows.height,
            "charge": str(result.charge_after),
            "cost": str(result.cost_after),
        },
    )
    return result


def _unrated(rows: pl.DataFrame) -> pl.DataFrame:
    """The CDRs as they arrived: what carrierdesk computed (by the `rated` bits) is blank again,
    and the destination it filled in is left to be found again."""
    bit = pl.col("rated")
    filled = (bit & RATED_DEST) != 0
    return rows.with_columns(
        pl.when((bit & RATED_CHARGE) != 0).then(None).otherwise(pl.col("charge")).alias("charge"),
        pl.when((bit & RATED_COST) != 0).then(None).otherwise(pl.col("cost")).alias("cost"),
        *(
            pl.when(filled).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("dest_code", "dest_name", "rate")
        ),
    ).drop("rated")


def parse_moment(text: str, field: str) -> datetime:
    """A time typed on the command line (ISO 8601 with its zone)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise Invalid.field(field, "must be an ISO 8601 time, e.g. 2026-11-01T00:00:00Z") from None


def _utc(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None:
        raise Invalid.field(field, "must include a time zone (e.g. 2026-11-01T00:00:00Z)")
    return moment.astimezone(UTC)


def _refuse_invoiced(session: Session, customer_id: int, start: datetime, end: datetime) -> None:
    covering = session.scalars(
        select(Invoice.number)
        .where(Invoice.customer_id == customer_id, Invoice.status != "void")
        .where(Invoice.period_start < end, Invoice.period_end > start)
        .order_by(Invoice.period_start)
    ).first()
    if covering is not None:
        raise Conflict(
            f"Invoice {covering} covers part of this range: void it before re-rating, or "
            "choose a range it does not cover."
        )


def _rated_cdrs(session: Session, customer_id: int, start: datetime, end: datetime) -> pl.DataFrame:
    """The customer's CDRs in [start, end) whose charge or cost carrierdesk computed, with
    their `rated` bits."""
    query = select(
        Cdr.start_time, Cdr.call_id, Cdr.answer_time, Cdr.duration, Cdr.billed_duration,
        Cdr.callee, Cdr.dest_code, Cdr.dest_name, Cdr.rate, Cdr.charge, Cdr.cost,
        Cdr.provider_id, Cdr.rated,
    ).where(
        Cdr.customer_id == customer_id, Cdr.start_time >= start, Cdr.start_time < end,
        Cdr.rated.op("&")(RATED_CHARGE | RATED_COST) != 0,
    )  # fmt: skip
    rows = [
        (
            position, customer_id, _aware(s), call_id, _aware(answer) if answer else None,
            duration, billed, callee, code, name, None if r is None else to_micros(r),
            to_micros(charge), to_micros(cost), provider, rated,
        )
        for position, (
            s, call_id, answer, duration, billed, callee, code, name, r, charge, cost, provider,
            rated,
        ) in enumerate(session.execute(query))
    ]  # fmt: skip
    schema: dict[str, pl.DataType] = {
        "row": pl.Int64(), "customer_id": pl.Int64(), "start_time": TIME, "call_id": pl.String(),
        "answer_time": TIME, "duration": pl.Int64(), "billed_duration": pl.Int64(),
        "callee": pl.String(), "dest_code": pl.String(), "dest_name": pl.String(),
        "rate": pl.Int64(), "charge": pl.Int64(), "cost": pl.Int64(),
        "provider_id": pl.Int64(), "rated": pl.Int64(),
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _total(rows: pl.DataFrame, money: str) -> Decimal:
    return from_micros(int(rows[money].sum()))


def _write(session: Session, rows: pl.DataFrame) -> None:
    """One UPDATE by primary key per CDR, sent as one batch (executemany)."""
    values = [
        {
            "customer_id": r["customer_id"], "start_time": r["start_time"], "call_id": r["call_id"],
            "billed_duration": r["billed_duration"], "charge": from_micros(r["charge"]),
            "cost": from_micros(r["cost"]),
            "dest_code": r["dest_code"], "dest_name": r["dest_name"],
            "rate": None if r["rate"] is None else from_micros(r["rate"]), "rated": r["rated"],
        }
        for r in rows.iter_rows(named=True)
    ]  # fmt: skip
    session.execute(update(Cdr), values)


def _mark_hours(session: Session, rows: pl.DataFrame) -> None:
    hours = rows.select("customer_id", pl.col("start_time").dt.truncate("1h")).unique()
    marks = [{"customer_id": c, "hour": h} for c, h in hours.iter_rows()]
    session.execute(insert(SummaryDirty), marks)
