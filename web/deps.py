"""FastAPI dependencies shared by the routes: the services the lifespan built, typed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from agents.runner import ChatRunner
from mattran.auth.oidc import OidcClient
from mattran.auth.sessions import SessionService
from mattran.domain.units import UnitResolver
from mattran.keys import key_ring
from mattran.scope import Scope
from mattran.services import Services
from mattran.settings import Settings
from mattran.store.db import Conn, Database


@dataclass(frozen=True)
class WebServices:
    """What the web door alone holds beside the services: sign-in, sessions and the assistant's runner."""

    oidc: OidcClient
    sessions: SessionService
    chat: ChatRunner


def get_services(request: Request) -> Services:
    """The services built at start-up (:func:`compose.services.open_services`)."""
    services: Services = request.app.state.services
    return services


def get_web(request: Request) -> WebServices:
    """Sign-in, sessions and the chat runner built at start-up."""
    web: WebServices = request.app.state.web
    return web


def get_settings(request: Request) -> Settings:
    """The app's settings (set when the app is made, before start-up: the templates read them too)."""
    settings: Settings = request.app.state.settings
    return settings


def signing_secret(settings: Settings) -> str:
    """The platform's signing secret: ``MATTRAN_SECRET_KEY``, else the data dir's signing key."""
    return key_ring(settings).signing.secret.decode()


def get_db(request: Request) -> Database:
    """The application's pool."""
    return get_services(request).db


async def _db(request: Request) -> Database:
    return get_db(request)


async def public_conn(db: Annotated[Database, Depends(_db)]) -> AsyncIterator[Conn]:
    """A read-only transaction with the public scope (reference data only), on a read replica where there is one."""
    async with db.read(Scope.public()) as conn:
        yield conn


def get_resolver(request: Request) -> UnitResolver:
    """The unit resolver built at start-up."""
    return get_services(request).resolver


# The dependencies are coroutines: FastAPI runs a plain function dependency in a worker thread, a hop per request.
async def _services(request: Request) -> Services:
    return get_services(request)


async def _web(request: Request) -> WebServices:
    return get_web(request)


async def _resolver(request: Request) -> UnitResolver:
    return get_resolver(request)


ServicesDep = Annotated[Services, Depends(_services)]
WebDep = Annotated[WebServices, Depends(_web)]
DbDep = Annotated[Database, Depends(_db)]
PublicConn = Annotated[Conn, Depends(public_conn)]
ResolverDep = Annotated[UnitResolver, Depends(_resolver)]
