"""What the public sees of petitions: the status behind a receipt, similar published petitions, published answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mattran.auth.principal import Principal
from mattran.domain import receipts
from mattran.domain.embedding import Embedder
from mattran.domain.masking import mask_personal_data
from mattran.domain.petition_status import STATUS_LABELS, PetitionStatus
from mattran.domain.petition_text import CATEGORIES, KINDS
from mattran.domain.petitions import similarity
from mattran.domain.petitions.models import PublicStatus, Similar
from mattran.domain.units import UnitResolver
from mattran.scope import Scope
from mattran.store import petition_followup as followup_store
from mattran.store import petitions as store
from mattran.store.db import Database

SHOWN_AS_SENT = timedelta(hours=1)  # how long after filing the confirmation page shows what was sent
CHANNEL_LABELS = {"email": "email", "sms": "tin nhắn SMS", "zalo": "Zalo"}
# the columns shown as stored (the text and the answer: only their reviewed public versions)
_SHOWN = ("status", "category", "unit_code", "unit_name", "created_at", "due_at", "answered_at", "published_at")


@dataclass(frozen=True)
class PetitionViews:
    """Public look-ups: by receipt (or number, where the caller may see it), similar petitions, published answers."""

    db: Database
    resolver: UnitResolver
    embedder: Embedder  # similar petitions by meaning once loaded, else by wording only

    async def status(self, code: str, principal: Principal | None = None) -> PublicStatus | None:
        """Public status (text and answer only once published) for the full receipt; the number alone shows only
        a published petition, or to a signed-in caller their own petitions and, to a cadre, those in scope."""
        receipt = receipts.parse(code)
        if receipt is None:
            return None
        row = await self.db.read_one(Scope.public(), lambda conn: store.public_status(conn, receipt.public_code))
        if row is None:
            return None
        if receipts.opens(receipt, row["receipt_salt"], row["receipt_hash"]):
            shown = str(receipt)
        elif row["status"] == PetitionStatus.PUBLISHED or await self._visible(principal, receipt.public_code):
            shown = receipt.public_code
        else:
            return None
        return PublicStatus(
            tracking_code=shown,
            status_label=STATUS_LABELS[row["status"]],
            category_label=CATEGORIES[row["category"]],
            content=row["content_public"],
            answer=row["answer_public"],
            title=row["title"],
            **{column: row[column] for column in _SHOWN},
        )

    async def as_sent(self, code: str, within: timedelta = SHOWN_AS_SENT) -> dict[str, Any] | None:
        """What the petition was filed with, for the confirmation page: only with the full receipt and only
        ``within`` its filing; title and text masked as in the receipt e-mail, the contacts never shown."""
        receipt = receipts.parse(code)
        if receipt is None or receipt.secret is None:
            return None
        async with self.db.transaction(Scope.everything()) as conn:
            row = await followup_store.as_sent(conn, receipt.public_code)
        if row is None or not receipts.opens(receipt, row["receipt_salt"], row["receipt_hash"]):
            return None
        if datetime.now(UTC) - row["created_at"] > within:
            return None
        return {
            "title": mask_personal_data(row["title"]),
            "content": mask_personal_data(row["content"]),
            "kind_label": KINDS[row["kind"]],
            "category_label": CATEGORIES[row["category"]],
            "unit_name": row["unit_name"],
            "address_text": row["address_text"],
            "with_contact": row["with_contact"],
            "files": row["files"],
            "channels": [CHANNEL_LABELS[c] for c in row["channels"]],
        }

    async def _visible(self, principal: Principal | None, public_code: str) -> bool:
        """Whether a signed-in caller sees the petition in their own scope (their own, or a cadre's units)."""
        if principal is None or not principal.authenticated:
            return False
        return await self.db.read_one(principal.scope(), lambda conn: store.get(conn, public_code)) is not None

    async def similar_to(self, code: str, principal: Principal | None = None) -> list[Similar]:
        """Published petitions of the same unit close to the petition ``code`` (one the caller may see, see
        :meth:`status`), as the public may see them.

        Unpublished petitions are never named to the public, whatever their wording; cadres see those on the
        petition's detail page, within their scope.
        """
        receipt = receipts.parse(code)
        if receipt is None or await self.status(code, principal) is None:
            return []
        row = await self.db.read_one(Scope.everything(), lambda conn: store.get(conn, receipt.public_code))
        if row is None or not row["unit_code"]:
            return []
        unit = self.resolver.units[row["unit_code"]]
        text = f"{row['title']}\n{row['content']}"
        async with self.db.read(Scope.public()) as conn:
            found = {
                r["tracking_code"]: dict(r)
                for r in await store.similar_published(conn, unit.code, text, row["tracking_code"])
            }
        vector = await similarity.vector_of(self.embedder, text)
        if vector is not None:  # by meaning too, among published petitions only
            async with self.db.read(Scope.of_unit(unit.path)) as conn:
                rows = await store.similar_by_meaning(
                    conn,
                    unit.code,
                    vector,
                    self.embedder.identity,
                    row["id"],
                    similarity.CANDIDATE_MEANING,
                    published_only=True,
                )
            similarity.keep_best(found, rows, "tracking_code")
        async with self.db.transaction(Scope.public()) as conn:
            texts = await store.published_texts(conn, list(found))
        candidates = [  # judged on what is published, as the cadres' page judges (meaning: computed on these texts)
            c | {"text": f"{t['title']}\n{t['content_public']}"}
            for c in found.values()
            if (t := texts.get(c["tracking_code"]))
        ]
        await similarity.weigh(self.embedder, text, candidates)
        return [
            Similar(tracking_code=r["tracking_code"], status_label=STATUS_LABELS[r["status"]], title=r["title"])
            for r in similarity.judged(text, candidates)[:5]
        ]

    async def published(
        self,
        *,
        province_code: str | None = None,
        unit_code: str | None = None,
        category: str | None = None,
        query: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """Published answers for the home page."""
        async with self.db.read(Scope.public()) as conn:
            return await store.published(
                conn,
                province_code=province_code,
                unit_code=unit_code,
                category=category,
                query=query or None,
                limit=limit,
                offset=offset,
            )
