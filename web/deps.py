"""FastAPI dependencies shared by the routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from psycopg import AsyncConnection

from mattran.domain.units import UnitResolver
from mattran.scope import Scope
from mattran.store.db import Database


def get_db(request: Request) -> Database:
    """The application's pool."""
    return request.app.state.db


async def public_conn(db: Annotated[Database, Depends(get_db)]) -> AsyncIterator[AsyncConnection]:
    """A transaction with the public scope (reference data only)."""
    async with db.transaction(Scope.public()) as conn:
        yield conn


def get_resolver(request: Request) -> UnitResolver:
    """The unit resolver built at start-up."""
    return request.app.state.resolver


DbDep = Annotated[Database, Depends(get_db)]
PublicConn = Annotated[AsyncConnection, Depends(public_conn)]
ResolverDep = Annotated[UnitResolver, Depends(get_resolver)]
