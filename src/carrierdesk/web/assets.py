"""The static files under /static: versioned URLs, long-lived caching and gzip (issue 14, item 5).

Templates name a file with `static_url("app.js")`, which gives `/static/app.js?v=<version>`, the
version being the start of the file's SHA-256. A request carrying the file's current version may
be cached for a year without asking again ("immutable"): a changed file has another URL. Any
other request (no version, or an old one) is answered "no-cache", so browsers revalidate it with
its ETag. Text files (scripts, style sheets, SVG, JSON) go out gzip-compressed to browsers that
accept it; each version is read, hashed and compressed once and kept in memory."""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).parent / "static"
PREFIX = "/static/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE = (".js", ".css", ".svg", ".json", ".map", ".txt", ".html", ".xml")
VERSION_LENGTH = 12
SMALLEST_WORTH_COMPRESSING = 512


def static_url(name: str) -> str:
    """The versioned URL of a file under static/ (unversioned when the file is missing, so a
    page still renders while vendor files are not installed)."""
    try:
        stat = (STATIC / name).stat()
    except OSError:
        return PREFIX + name
    return f"{PREFIX}{name}?v={_version(str(STATIC / name), stat.st_mtime_ns, stat.st_size)}"


@lru_cache(maxsize=1024)
def _version(path: str, _mtime_ns: int, _size: int) -> str:
    """The version of one state of a file (the cache is keyed by its mtime and size)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:VERSION_LENGTH]


@lru_cache(maxsize=256)
def _gzipped(path: str, _mtime_ns: int, _size: int) -> bytes | None:
    """The file gzip-compressed, or None when it is not text or compression does not pay."""
    if not path.endswith(COMPRESSIBLE):
        return None
    body = Path(path).read_bytes()
    if len(body) < SMALLEST_WORTH_COMPRESSING:
        return None
    packed = gzip.compress(body, compresslevel=9, mtime=0)
    return packed if len(packed) < len(body) else None


def accepts_gzip(headers: Headers) -> bool:
    """Whether Accept-Encoding admits gzip (by name or "*", with a q above 0)."""
    for item in headers.get("accept-encoding", "").split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        if coding.lower() not in ("gzip", "*"):
            continue
        q = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            return float(q) > 0
        except ValueError:
            return False
    return False


class StaticAssets(StaticFiles):
    """StaticFiles with the cache headers and gzip described above."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code not in (200, 304):
            return response
        full_path, stat = await anyio.to_thread.run_sync(self.lookup_path, path)
        if stat is None:
            return response
        key = (str(full_path), stat.st_mtime_ns, stat.st_size)
        version = await anyio.to_thread.run_sync(_version, *key)
        packed = await anyio.to_thread.run_sync(_gzipped, *key)
        request = Headers(scope=scope)
        if response.status_code == 200 and packed is not None and _may_compress(request):
            response = _compressed(response, packed)
            if self.is_not_modified(response.headers, request):
                response = NotModifiedResponse(response.headers)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        response.headers["Cache-Control"] = IMMUTABLE if query.get("v") == [version] else REVALIDATE
        if packed is not None:
            response.headers["Vary"] = "Accept-Encoding"
        return response


def _may_compress(request: Headers) -> bool:
    return accepts_gzip(request) and "range" not in request


def _compressed(identity: Response, packed: bytes) -> Response:
    """The gzip variant of a file's answer: its own ETag (a strong ETag names one encoding)."""
    headers = {
        "ETag": identity.headers["etag"].removesuffix('"') + '-gzip"',
        "Last-Modified": identity.headers["last-modified"],
        "Content-Encoding": "gzip",
        "Content-Type": identity.headers["content-type"],
    }
    return Response(packed, headers=headers)
