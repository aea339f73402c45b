"""The directory of cadres: recorded as they sign in, read to show people's names and to assign petitions."""

from __future__ import annotations

from dataclasses import dataclass

from mattran.auth.principal import Principal
from mattran.scope import Scope
from mattran.store import cadres as store
from mattran.store.db import Conn, Database


@dataclass(frozen=True)
class Cadre:
    """A cadre as a list shows them."""

    subject: str
    name: str


async def seen(db: Database, principal: Principal) -> None:
    """Note a signed-in cadre's display name, unit and roles (nothing for a citizen or an administrator alone)."""
    if not principal.cadre_role or not principal.unit_code or not principal.subject:
        return
    async with db.transaction(Scope.public()) as conn:
        await store.seen(
            conn,
            subject=principal.subject,
            name=principal.name,
            unit_code=principal.unit_code,
            roles=sorted(principal.roles),
        )


async def of_unit(conn: Conn, unit_code: str) -> list[Cadre]:
    """The cadres of ``unit_code`` seen so far, by name (the transaction's scope must include the unit)."""
    return [Cadre(r["subject"], r["display_name"]) for r in await store.of_unit(conn, unit_code)]


async def names(conn: Conn, subjects: list[str | None]) -> dict[str, str]:
    """The display names of the cadres among ``subjects`` (an account not seen keeps its account name)."""
    return await store.names(conn, sorted({s for s in subjects if s}))
