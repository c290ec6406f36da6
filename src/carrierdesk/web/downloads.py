"""File answers: a spooled file sent in chunks, with nothing of the database held meanwhile."""

from __future__ import annotations

from typing import Any, BinaryIO

from fastapi.responses import StreamingResponse

from carrierdesk.cdrs.reports import chunks_of

BINARY: dict[str, Any] = {"type": "string", "format": "binary"}


def file_answer(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    """The 200 of an endpoint that answers a file (a PDF, a CSV, an XML document), for its
    `responses=`: the file's bytes (`type: string, format: binary`), so that a client generated
    from the OpenAPI document hands them over instead of dropping the answer."""
    return {200: {"description": description, "content": {media_type: {"schema": BINARY}}}}


def csv_download(spool: BinaryIO, filename: str) -> StreamingResponse:
    return StreamingResponse(
        chunks_of(spool),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
