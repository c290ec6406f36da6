"""The interactive API docs at /api/v1/docs: Swagger UI from the project's own copy of the npm
package swagger-ui-dist (static/vendor/swagger-ui, scripts/copy-vendor.sh), never from a CDN,
so they work without internet. The page's one inline script (Swagger UI's start-up) is allowed
by its hash, so the page keeps the app's Content Security Policy (web/security.py)."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from carrierdesk.web.assets import static_url
from carrierdesk.web.security import CSP

SWAGGER_JS = "vendor/swagger-ui/swagger-ui-bundle.js"
SWAGGER_CSS = "vendor/swagger-ui/swagger-ui.css"
FAVICON = "favicon.svg"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def install(api: FastAPI) -> None:
    """Serve the docs page of `api` at its /docs (create the FastAPI with docs_url=None)."""

    @api.get("/docs", include_in_schema=False)
    async def show_api_docs(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")  # /api/v1: the API is mounted there
        page = get_swagger_ui_html(
            openapi_url=f"{root}{api.openapi_url}",
            title=f"{api.title} — interactive documentation",
            swagger_js_url=static_url(SWAGGER_JS),
            swagger_css_url=static_url(SWAGGER_CSS),
            swagger_favicon_url=static_url(FAVICON),
        )
        page.headers["Content-Security-Policy"] = _allowing_inline_scripts(bytes(page.body))
        return page


def _allowing_inline_scripts(body: bytes) -> str:
    """The app's policy, with the page's own inline scripts (and only those) allowed."""
    hashes = " ".join(_source_hash(s) for s in _INLINE_SCRIPT.findall(body.decode()))
    return CSP.replace("script-src 'self'", f"script-src 'self' {hashes}", 1)


def _source_hash(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    return f"'sha256-{digest}'"
