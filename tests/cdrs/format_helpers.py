"""What the tests of the native CDR formats share: a customer on a rate card, the CDRs stored,
the command line, and the rejected-rows file it writes."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from carrierdesk.cli import app
from carrierdesk.db import transaction
from carrierdesk.models import Cdr
from fixtures.builders import deck, make_customer, make_rate_card, put_deck
from support import Api

GERMANY = ("49,Germany,0.02,0,1,1,2026-01-01", "4930,Germany Berlin,0.015,0,1,1,2026-01-01")


def rated_customer(operator: Api, name: str, *rates: str) -> int:
    """A new USD customer on a new card holding `rates` (deck rows); its id."""
    card = make_rate_card(operator, "Retail USD", "USD")
    assert put_deck(operator, card, deck(*rates)).status_code == 200
    customer = make_customer(operator, name, currency="USD")
    assert operator.patch(f"/customers/{customer}", {"rate_card_id": card}).status_code == 200
    return customer


def stored(db_url: str) -> dict[str, Cdr]:
    with transaction(db_url) as session:
        rows = list(session.scalars(select(Cdr)))
        session.expunge_all()
    return {row.call_id: row for row in rows}


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def rejected(path: Path) -> list[dict[str, str]]:
    with Path(f"{path}.rejected.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))
