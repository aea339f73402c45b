"""Lists of units the doors show (a unit selector, the provinces) and the readiness count, read from the store."""

from __future__ import annotations

from typing import Any

from mattran.store import units as store
from mattran.store.db import Conn

CENTRAL = "TW"


async def own_and_below(conn: Conn, code: str) -> list[dict[str, Any]]:
    """The unit ``code`` and the units directly below it (none when there is no such unit)."""
    own = await store.unit_by_code(conn, code)
    return [own, *await store.child_units(conn, code)] if own else []


async def provinces(conn: Conn) -> list[dict[str, Any]]:
    """The provinces, by name."""
    return await store.child_units(conn, CENTRAL)


async def unit_count(conn: Conn) -> int:
    """How many units the administrative map holds (0 while it is not loaded)."""
    return sum((await store.count_units_by_type(conn)).values())
