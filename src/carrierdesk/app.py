"""The ASGI application: Control Panel at /, Customer Portal at /portal/, API at /api/v1/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from carrierdesk.api import create_api
from carrierdesk.config import get_settings
from carrierdesk.db import get_sessionmaker
from carrierdesk.web import pages
from carrierdesk.web.security import SecurityHeaders
from carrierdesk.worker.loop import start_in_thread

STATIC = Path(__file__).parent / "web" / "static"


def create_app(database_url: str | None = None, run_worker: bool = False) -> FastAPI:
    url = database_url or get_settings().database_url

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = start_in_thread(get_settings().worker_poll_seconds, url) if run_worker else None
        yield
        if stop is not None:
            stop.set()

    app = FastAPI(
        title="carrierdesk", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    api = create_api()
    for target in (app, api):
        target.state.sessionmaker = get_sessionmaker(url)
        target.state.database_url = url
    app.add_middleware(SecurityHeaders)
    app.mount("/api/v1", api)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    pages.install(app)
    return app
