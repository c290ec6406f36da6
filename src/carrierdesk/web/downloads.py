"""File answers: a spooled file sent in chunks, with nothing of the database held meanwhile."""

from __future__ import annotations

from typing import BinaryIO

from fastapi.responses import StreamingResponse

from carrierdesk.cdrs.reports import chunks_of


def csv_download(spool: BinaryIO, filename: str) -> StreamingResponse:
    return StreamingResponse(
        chunks_of(spool),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
