"""How large a request body may be, per endpoint: refused with 413 before it is parsed.

A body that says its length is refused before a byte of it is read; a chunked one is
counted while it streams in and refused as soon as it passes the limit.
"""

from __future__ import annotations

import json
import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MiB = 1024 * 1024
DEFAULT_LIMIT = 1 * MiB
# (method, path) → limit; the paths that take files or batches. Documented in the README. A
# path's record ids are written {id}.
LIMITS: dict[tuple[str, str], int] = {
    ("POST", "/api/v1/cdrs"): 16 * MiB,  # 10,000 CDRs as JSON or CSV
    ("PUT", "/api/v1/rate-cards/{id}/rates"): 64 * MiB,  # a 250,000-row deck is ~15 MB
    ("POST", "/rate-cards/{id}/upload"): 64 * MiB,  # the same deck from the Control Panel
}
_ID = re.compile(r"/[0-9]+(?=/|$)")


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; answered by the app's own error handlers."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _detail(limit), headers={"Connection": "close"})


def _detail(limit: int) -> str:
    return f"The request body is larger than this endpoint takes ({limit // MiB} MiB)."


def limit_for(method: str, path: str) -> int:
    path = path.rstrip("/")
    return LIMITS.get((method, path)) or LIMITS.get((method, _ID.sub("/{id}", path)), DEFAULT_LIMIT)


class BodyLimit:
    """Plain ASGI middleware: streamed bodies stay streamed, only counted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["method"], scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted_receive, send)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "type": "https://carrierdesk.dev/problems/too_large",
            "title": "Request body too large",
            "status": 413,
            "detail": _detail(limit),
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
