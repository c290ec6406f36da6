"""The ASGI application: Control Panel at /, Customer Portal at /portal/, API at /api/v1/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from carrierdesk.api import create_api
from carrierdesk.config import Settings, get_settings
from carrierdesk.db import get_sessionmaker
from carrierdesk.web import pages
from carrierdesk.web.assets import STATIC, StaticAssets
from carrierdesk.web.capacity import Capacity
from carrierdesk.web.limits import BodyLimit
from carrierdesk.web.security import SecurityHeaders
from carrierdesk.worker.loop import start_in_thread

SPARE_THREADS = 8  # beyond the request slots: static files, the health check, bookkeeping


def create_app(database_url: str | None = None, run_worker: bool = False) -> FastAPI:
    settings = get_settings()
    url = database_url or settings.database_url

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        threads = anyio.to_thread.current_default_thread_limiter()
        threads.total_tokens = max(threads.total_tokens, settings.request_slots + SPARE_THREADS)
        stop = start_in_thread(settings.worker_poll_seconds, url) if run_worker else None
        yield
        if stop is not None:
            stop.set()

    app = FastAPI(
        title="carrierdesk", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    api = create_api()
    capacity = capacity_of(settings, url)
    for target in (app, api):
        target.state.sessionmaker = get_sessionmaker(url)
        target.state.database_url = url
        target.state.capacity = capacity
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    app.mount("/api/v1", api)
    app.mount("/static", StaticAssets(directory=STATIC), name="static")
    pages.install(app)
    return app


def capacity_of(settings: Settings, url: str) -> Capacity:
    return Capacity(
        slots=settings.request_slots,
        queue_seconds=settings.queue_seconds,
        queue_limit=settings.queue_limit,
        serialise_writes=url.startswith("sqlite"),
        hash_slots=settings.hash_concurrency,
    )
