"""The petitions' background jobs: embedding the text of new petitions, escalating overdue ones."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from mattran.domain import holidays
from mattran.domain.embedding import Embedder
from mattran.domain.petition_status import PetitionAction
from mattran.domain.petition_text import Deadlines, add_working_days
from mattran.domain.units import UnitResolver
from mattran.scope import Scope
from mattran.store import petitions as store
from mattran.store.db import Database
from mattran.store.library import vector_literal


@dataclass(frozen=True)
class PetitionJobs:
    """Work done apart from any request, over every unit."""

    db: Database
    resolver: UnitResolver
    deadlines: Deadlines
    embedder: Embedder

    async def embed_pending(self, batch: int = 64) -> int:
        """Embed the text of petitions filed since the last call (intake never waits for the model)."""
        async with self.db.transaction(Scope.everything()) as conn:
            rows = await store.unembedded(conn, batch)
        if not rows:
            return 0
        vectors = await asyncio.to_thread(self.embedder.passages, [f"{r['title']}\n{r['content']}" for r in rows])
        async with self.db.transaction(Scope.everything()) as conn:
            await store.set_embeddings(
                conn, [r["id"] for r in rows], [vector_literal(v) for v in vectors], self.embedder.identity
            )
        return len(rows)

    async def embed_again(self, batch: int = 64) -> int:
        """Embed again the text of petitions whose vector another embedder made (after an upgrade): until then they
        are not compared with the others."""
        identity = self.embedder.identity
        async with self.db.transaction(Scope.everything()) as conn:
            rows = await store.embedded_by_another(conn, identity, batch)
        if not rows:
            return 0
        vectors = await asyncio.to_thread(self.embedder.passages, [f"{r['title']}\n{r['content']}" for r in rows])
        async with self.db.transaction(Scope.everything()) as conn:
            await store.set_embeddings(conn, [r["id"] for r in rows], [vector_literal(v) for v in vectors], identity)
        return len(rows)

    async def escalate_overdue(self) -> list[str]:
        """Move every open petition past its due date to the parent level; return their tracking codes."""
        now = datetime.now(UTC)
        moved: list[str] = []
        async with self.db.transaction(Scope.everything()) as conn:
            days_off = await holidays.ahead(conn, now)
            for row in await store.overdue_ids(conn, now):
                parent = self.resolver.units[row["parent_code"]]
                await store.update(
                    conn,
                    row["id"],
                    {
                        "unit_code": parent.code,
                        "unit_path": parent.path,
                        "due_at": add_working_days(now, self.deadlines.days, days_off),
                        "escalations": row["escalations"] + 1,
                    },
                )
                await store.add_event(
                    conn,
                    row["id"],
                    parent.path,
                    None,
                    PetitionAction.ESCALATE,
                    row["status"],
                    row["status"],
                    {"from_unit": row["unit_code"], "to_unit": parent.code, "reason": "quá hạn trả lời"},
                )
                moved.append(row["tracking_code"])
        return moved
