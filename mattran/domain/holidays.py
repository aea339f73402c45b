"""Vietnam's public holidays, which working-day deadlines skip: read from the store, extended by an administrator
(the days the government adds or moves each year)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel

from mattran.auth.principal import Principal
from mattran.domain import audit
from mattran.domain.errors import Conflict, Invalid
from mattran.scope import Scope
from mattran.store import holidays as store
from mattran.store.db import Conn, Database

HORIZON = timedelta(days=400)
"""How far ahead a deadline's holidays are read (longer than any working-day deadline)."""


class Holiday(BaseModel):
    """One day off; ``added_by`` is None for the days seeded with the platform."""

    day: date
    name: str
    added_by: str | None = None


async def ahead(conn: Conn, start: datetime) -> frozenset[date]:
    """The holidays from ``start``'s day to :data:`HORIZON` after it (for counting working days)."""
    first = start.date()
    return frozenset(r["day"] for r in await store.between(conn, first, first + HORIZON))


async def listed(db: Database, year: int) -> list[Holiday]:
    """The holidays of a year."""
    async with db.transaction(Scope.public()) as conn:
        return [Holiday(**r) for r in await store.between(conn, date(year, 1, 1), date(year, 12, 31))]


async def add_holiday(db: Database, actor: Principal, day: date, name: str) -> Holiday:
    """Add a day off that the government decided (an operator's or an administrator's act, audited)."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 200:
        raise Invalid("Tên ngày nghỉ phải có từ 1 đến 200 ký tự.", "name")
    async with db.transaction(Scope.public()) as conn:
        if not await store.add(conn, day, name, actor.subject):
            raise Conflict(f"Ngày {day:%d/%m/%Y} đã là ngày nghỉ.", "day")
        await audit.record(conn, actor, "holiday.add", day.isoformat(), "allowed", name=name)
    return Holiday(day=day, name=name, added_by=actor.subject)
