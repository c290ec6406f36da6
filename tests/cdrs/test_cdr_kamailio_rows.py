"""Kamailio's rows in kamailio_cdrs become canonical CDRs (docs/cdr-formats.md), each taken
once: stored rows are deleted, rejected ones keep their reason until put back in line."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from carrierdesk.cdrs.kamailio import canonical, retry_rejected, take
from carrierdesk.db import transaction
from carrierdesk.models import Cdr, KamailioCdr
from fixtures.builders import make_customer

T0 = Decimal("1796182981.862159")  # 2026-12-02 03:43:01.862159 UTC


def kamailio_row(**kw: Any) -> KamailioCdr:
    values: dict[str, Any] = {
        "call_id": "1-22938@127.0.0.1", "invite_at": T0, "answer_at": T0 + Decimal("2.5"),
        "end_at": T0 + Decimal("49.9"), "sip_code": 200, "sip_reason": "OK", "caller": "1100",
        "callee": "15551234", "sip_user": "1100", "customer_id": None, "ip_auth_id": None,
    }  # fmt: skip
    return KamailioCdr(**{**values, **kw})


def test_an_answered_call_maps_with_talk_time_from_the_answer() -> None:
    cdr = canonical(kamailio_row(customer_id=7))
    assert cdr["start_time"] == "2026-12-02T03:43:01.862159+00:00"
    assert cdr["answer_time"] == "2026-12-02T03:43:04.362159+00:00"
    assert cdr["end_time"] == "2026-12-02T03:43:51.762159+00:00"
    assert cdr["duration"] == "47"  # 47.4 s from the answer, whole seconds; not from the INVITE
    assert (cdr["sip_code"], cdr["customer_id"], cdr["sip_user"]) == ("200", "7", "1100")
    assert "charge" not in cdr  # rated by carrierdesk


def test_a_failed_call_has_no_answer_and_no_talk_time() -> None:
    cdr = canonical(kamailio_row(answer_at=None, sip_code=486, sip_reason="Busy Here"))
    assert (cdr["answer_time"], cdr["duration"], cdr["sip_code"]) == (None, "0", "486")


def stored(db_url: str) -> tuple[int, int, list[str | None]]:
    with transaction(db_url) as session:
        cdrs = session.scalar(select(func.count()).select_from(Cdr)) or 0
        waiting = list(session.scalars(select(KamailioCdr.rejected).order_by(KamailioCdr.id)))
        return cdrs, len(waiting), waiting


def test_rows_are_taken_once_and_rejections_kept_with_their_reason(
    db_url: str, operator: Any
) -> None:
    customer = make_customer(operator)
    with transaction(db_url) as session:
        session.add(kamailio_row(call_id="a", customer_id=customer, sip_user=None))
        session.add(kamailio_row(call_id="b", customer_id=None, sip_user=None))
    with transaction(db_url) as session:
        result = take(session)
    # No rate card yet: the answered call cannot be rated; the other has no customer either.
    assert result.accepted == 0 and result.rejected_count == 2
    cdrs, waiting, reasons = stored(db_url)
    assert (cdrs, waiting) == (0, 2)
    assert reasons[0] == "charge: missing, and the customer has no rate card to rate it"
    assert reasons[1] is not None and "customer" in reasons[1]
    with transaction(db_url) as session:
        assert take(session).rejected_count == 0  # rejected rows wait, not retried each pass
        assert retry_rejected(session) == 2
    assert stored(db_url)[2] == [None, None]
