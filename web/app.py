"""The FastAPI application: every app (pages, API, chat) behind one sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from mattran.auth.oidc import OidcClient
from mattran.auth.sessions import SessionService
from mattran.bootstrap import StoreUrls
from mattran.domain.units import load_resolver
from mattran.scope import Scope
from mattran.settings import Settings
from mattran.store.db import Database
from web import errors
from web.chat.mount import mount_chat
from web.routes import admin, auth, cadre, health, members, pages, units


def create_app(settings: Settings, urls: StoreUrls) -> FastAPI:
    """The web app over a store that :func:`mattran.bootstrap.prepare_store` has prepared."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(urls.app, max_size=settings.db_pool_size)
        await db.open()
        async with db.transaction(Scope.public()) as conn:
            app.state.resolver = await load_resolver(conn)
        app.state.db = db
        app.state.oidc = OidcClient(
            settings.issuer, settings.oidc_client_id, settings.oidc_client_secret,
            f"{settings.base_url}/auth/callback", settings.oidc_scopes, settings.oidc_api_audience)
        app.state.sessions = SessionService(db, app.state.oidc, app.state.resolver.units, settings.oidc_roles_claim,
                                            settings.oidc_unit_claim, settings.session_hours)
        try:
            yield
        finally:
            await db.close()

    app = FastAPI(title="Mặt trận số", version="0.1.0", lifespan=lifespan,
                  description="API của nền tảng số Mặt trận Tổ quốc Việt Nam.")
    app.state.settings = settings
    errors.install(app)
    for module in (health, units, members, admin, auth, cadre, pages):
        app.include_router(module.router)
    mount_chat(app, settings.secret_key)
    return app
