"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from mattran.bootstrap import StoreUrls
from mattran.domain.units import load_resolver
from mattran.scope import Scope
from mattran.settings import Settings
from mattran.store.db import Database
from web import errors
from web.routes import health, pages, units


def create_app(settings: Settings, urls: StoreUrls) -> FastAPI:
    """The web app over a store that :func:`mattran.bootstrap.prepare_store` has prepared."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(urls.app, max_size=settings.db_pool_size)
        await db.open()
        async with db.transaction(Scope.public()) as conn:
            app.state.resolver = await load_resolver(conn)
        app.state.db = db
        try:
            yield
        finally:
            await db.close()

    app = FastAPI(title="Mặt trận số", version="0.1.0", lifespan=lifespan,
                  description="API của nền tảng số Mặt trận Tổ quốc Việt Nam.")
    errors.install(app)
    app.include_router(health.router)
    app.include_router(units.router)
    app.include_router(pages.router)
    return app
