"""Realistic synthetic CDRs, in time order: the demo's month of traffic and the benchmarks' data.

Traffic follows the working day (quiet nights, busy afternoons), each customer has its own answer
rate, destinations carry per-minute rates, failures carry the SIP codes a switch really returns.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from carrierdesk.cdrs.fields import StoredColumns

SIX = Decimal("0.000001")
# (prefix, name, rate per minute in the customer's currency)
DESTINATIONS = [
    ("44", "United Kingdom", "0.0095"),
    ("447", "United Kingdom Mobile", "0.0210"),
    ("1", "United States", "0.0045"),
    ("33", "France", "0.0120"),
    ("336", "France Mobile", "0.0290"),
    ("49", "Germany", "0.0110"),
    ("4917", "Germany Mobile", "0.0350"),
    ("91", "India", "0.0190"),
    ("234", "Nigeria Mobile", "0.0850"),
    ("52", "Mexico", "0.0150"),
    ("86", "China", "0.0090"),
    ("61", "Australia", "0.0160"),
]
FAILURES = [
    (486, "Busy Here", 30),
    (480, "Temporarily Unavailable", 20),
    (487, "Request Terminated", 25),
    (503, "Service Unavailable", 8),
    (404, "Not Found", 7),
    (603, "Decline", 5),
    (408, "Request Timeout", 5),
]
# Relative traffic by UTC hour of day.
HOURLY = [2, 1, 1, 1, 1, 2, 4, 7, 10, 12, 13, 13, 12, 13, 14, 14, 13, 11, 9, 7, 6, 5, 4, 3]


@dataclass(frozen=True)
class Profile:
    customer_id: int
    weight: float  # share of the traffic
    asr: float  # chance a call is answered
    margin: float  # cost / charge
    per_minute: bool  # billed in whole minutes (60/60) rather than per second


def profiles(customer_ids: Sequence[int], seed: int = 7) -> list[Profile]:
    rng = random.Random(seed)
    return [
        Profile(
            cid,
            weight=rng.choice([1, 2, 3, 5, 8]),
            asr=rng.uniform(0.35, 0.7),
            margin=rng.uniform(0.55, 0.85),
            per_minute=rng.random() < 0.5,
        )
        for cid in customer_ids
    ]


def synthetic_cdrs(
    customers: Sequence[Profile],
    start: datetime,
    hours: int,
    rows: int,
    seed: int = 2026,
    prefix: str = "syn",
) -> Iterator[StoredColumns]:
    """About `rows` CDRs over `hours` hours from `start`, in start_time order."""
    rng = random.Random(seed)
    weights = [HOURLY[(start + timedelta(hours=h)).hour] for h in range(hours)]
    scale = rows / max(sum(weights), 1)
    cumulative = _cumulative([c.weight for c in customers])
    rates = [(code, name, Decimal(rate)) for code, name, rate in DESTINATIONS]
    fail_weights = _cumulative([w for _c, _r, w in FAILURES])
    number = 0
    for h, weight in enumerate(weights):
        hour_start = start + timedelta(hours=h)
        count = int(weight * scale) + (rng.random() < (weight * scale) % 1)
        for offset in sorted(rng.random() * 3600 for _ in range(count)):
            number += 1
            customer = customers[_pick(rng, cumulative)]
            dest = rates[rng.randrange(len(rates))]
            when = hour_start + timedelta(seconds=int(offset))
            yield _call(rng, f"{prefix}-{seed}-{number:09d}", customer, dest, when, fail_weights)


def _call(
    rng: random.Random,
    call_id: str,
    customer: Profile,
    dest: tuple[str, str, Decimal],
    start: datetime,
    fail_weights: list[float],
) -> StoredColumns:
    code, name, rate = dest
    pdd = rng.randint(600, 4500)
    ring = rng.randint(2000, 25000)
    callee = "+" + code + "".join(rng.choice("0123456789") for _ in range(11 - len(code)))
    caller = f"+1202555{rng.randint(0, 9999):04d}"
    if rng.random() < customer.asr:
        duration = min(int(rng.expovariate(1 / 150)) + 1, 7200)
        billed = math.ceil(duration / 60) * 60 if customer.per_minute else duration
        answer = start + timedelta(seconds=round((pdd + ring) / 1000))
        end = answer + timedelta(seconds=duration)
        charge = (rate * billed / 60).quantize(SIX, ROUND_HALF_UP)
        cost = (charge * Decimal(str(round(customer.margin, 3)))).quantize(SIX, ROUND_HALF_UP)
        sip, reason, release = 200, "OK", "Normal Clearing"
    else:
        sip, reason, _w = FAILURES[_pick(rng, fail_weights)]
        duration = billed = 0
        answer = None
        end = start + timedelta(
            seconds=round((pdd + (ring if sip in (487, 408, 480) else 0)) / 1000)
        )
        charge = cost = Decimal(0)
        release = "Caller Cancel" if sip == 487 else "No Answer"
    return StoredColumns(
        customer.customer_id,
        start,
        call_id,
        None,
        answer,
        end,
        duration,
        billed,
        caller,
        callee,
        code,
        name,
        sip,
        reason,
        release,
        pdd,
        ring if answer else None,
        "outbound",
        rate,
        charge,
        cost,
    )


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    target = rng.random() * cumulative[-1]
    for i, edge in enumerate(cumulative):
        if target < edge:
            return i
    return len(cumulative) - 1


def canonical(row: StoredColumns) -> list[object]:
    """The row in CDR.md's CSV columns (`fields.CANONICAL`), as a switch would write it."""

    def z(value: object) -> str:
        return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")  # type: ignore[attr-defined]

    return [
        row.call_id,
        row.customer_id,
        "",
        row.sip_user or "",
        z(row.start_time),
        z(row.answer_time),
        z(row.end_time),
        row.duration,
        row.billed_duration,
        row.caller,
        row.callee,
        row.dest_code,
        row.dest_name,
        row.sip_code,
        row.sip_reason,
        row.release_reason,
        row.pdd_ms,
        "" if row.ring_ms is None else row.ring_ms,
        row.direction,
        row.rate,
        row.charge,
        row.cost,
        "",
        "",
    ]
