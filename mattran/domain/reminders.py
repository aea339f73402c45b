"""Reminders to a unit's cadres, by e-mail through the notification outbox: before a petition's due date, before a
state body's reply is due and before an escalation, each once, counted in working days on Vietnam's calendar."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from mattran.domain import holidays
from mattran.domain.time import VIETNAM
from mattran.scope import Scope
from mattran.store import reminders as store
from mattran.store.db import Database

LOOK_AHEAD = timedelta(days=21)
"""How far ahead deadlines are looked at: more than any lead in working days, Tết's days off included."""


class ReminderKind(StrEnum):
    """What a reminder warns of."""

    DUE = "due"  # the unit's answer to the petitioner is due
    REPLY = "reply"  # the state body the petition was forwarded to is due to reply
    ESCALATION = "escalation"  # unanswered by its due date, the petition goes up to the parent unit


LEAD_DAYS = {ReminderKind.DUE: 2, ReminderKind.REPLY: 2, ReminderKind.ESCALATION: 1}
"""Working days before the deadline from which each reminder is sent."""


def remind_from(deadline: datetime, days: int, days_off: Collection[date] = ()) -> datetime:
    """The start (midnight, Vietnam's time) of the working day ``days`` working days before ``deadline``'s day:
    Monday to Friday, public holidays skipped."""
    day = deadline.astimezone(VIETNAM).date()
    left = days
    while left > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5 and day not in days_off:
            left -= 1
    return datetime(day.year, day.month, day.day, tzinfo=VIETNAM)


@dataclass(frozen=True)
class Reminders:
    """Finds the reminders due and queues their e-mails (the outbox's sender delivers them)."""

    db: Database
    escalates: bool = True  # overdue petitions go up a level (``MATTRAN_ESCALATION_INTERVAL_MINUTES`` > 0): else no
    # cadre is warned of an escalation that never comes

    async def enqueue_due(self, now: datetime | None = None) -> int:
        """Queue every reminder due at ``now`` not given before; how many reminders (each to all of the unit's
        cadres with an address)."""
        now = now or datetime.now(UTC)
        given = 0
        async with self.db.transaction(Scope.everything()) as conn:
            days_off = await holidays.ahead(conn, now - LOOK_AHEAD)
            for row in await store.upcoming(conn, now, now + LOOK_AHEAD):
                due: list[tuple[ReminderKind, datetime]] = []
                if row["due_at"] is not None:
                    due.append((ReminderKind.DUE, row["due_at"]))
                    if self.escalates and row["parent_code"] is not None:
                        due.append((ReminderKind.ESCALATION, row["due_at"]))
                if row["reply_due_at"] is not None:
                    due.append((ReminderKind.REPLY, row["reply_due_at"]))
                for kind, deadline in due:
                    if now < remind_from(deadline, LEAD_DAYS[kind], days_off):
                        continue
                    reminder = await store.add(conn, row["id"], kind, deadline, row["unit_code"])
                    if reminder is not None:
                        await store.enqueue(conn, reminder, row["id"], row["unit_code"])
                        given += 1
        return given
