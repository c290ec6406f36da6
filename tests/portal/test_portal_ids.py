"""The portal's path ids are bounded like the API's (1..2^31-1): an id out of range is a 422
page naming the parameter, never a database error."""

from __future__ import annotations

import html
import re

import pytest

from carrierdesk.web.http import MAX_ID
from portal.portal_helpers import Portal

OUT_OF_RANGE = {
    0: "must be 1 or more",
    MAX_ID + 1: f"must be {MAX_ID} or less",
}


@pytest.mark.parametrize("bad", sorted(OUT_OF_RANGE))
def test_portal_invoice_ids_out_of_range_are_422(ann_portal: Portal, bad: int) -> None:
    for path in (f"/portal/invoices/{bad}", f"/portal/invoices/{bad}/pdf"):
        answer = ann_portal.get(path)
        assert answer.status_code == 422, (path, answer.text[:300])
        assert _shown_error(answer.text) == f"invoice_id: {OUT_OF_RANGE[bad]}"


def _shown_error(page: str) -> str:
    found = re.search(r'<p class="mb-0">(.*?)</p>', page, re.S)
    assert found, page[:500]
    return html.unescape(found.group(1)).strip()
