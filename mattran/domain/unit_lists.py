"""Lists of units the doors show (a unit selector, the provinces) and the readiness count, read from the store."""

from __future__ import annotations

from mattran.domain.admin_map import CENTRAL_CODE
from mattran.domain.unit import Unit
from mattran.store import units as store
from mattran.store.db import Conn


async def own_and_below(conn: Conn, code: str) -> list[Unit]:
    """The unit ``code`` and the units directly below it (none when there is no such unit)."""
    own = await store.unit_by_code(conn, code)
    return [own, *await store.child_units(conn, code)] if own else []


async def provinces(conn: Conn) -> list[Unit]:
    """The provinces, by name."""
    return await store.child_units(conn, CENTRAL_CODE)


async def unit_count(conn: Conn) -> int:
    """How many units the administrative map holds (0 while it is not loaded)."""
    return sum((await store.count_units_by_type(conn)).values())
