"""The cadres' workflow: the petitions they handle, a petition's detail, their actions and the public review."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import UTC, datetime
from typing import Any

from mattran.auth.principal import Principal
from mattran.domain import audit, cadres, holidays
from mattran.domain.attachments import Attachment
from mattran.domain.audit_labels import PETITION_PREFIX
from mattran.domain.embedding import Embedder
from mattran.domain.permissions import Operation, is_allowed
from mattran.domain.petition_status import OPEN_STATUSES, PetitionAction, PetitionStatus
from mattran.domain.petition_text import Deadlines
from mattran.domain.petitions import similarity
from mattran.domain.petitions.disclosure import (
    DENOUNCER_HIDDEN,
    as_seen_by,
    identity_visible,
    shown_event,
    submitter_label,
)
from mattran.domain.petitions.errors import (
    InvalidPetition,
    PetitionConflict,
    PetitionNotFound,
    PetitionRefused,
    PetitionSignInRequired,
)
from mattran.domain.petitions.listing import (
    DUE_SOON,
    EXPORT_LIMIT,
    QUEUE,
    Filters,
    OverdueUnits,
    PetitionPage,
    QueueItem,
    to_excel,
)
from mattran.domain.petitions.matching import compare
from mattran.domain.petitions.models import Action, Contact, public_number
from mattran.domain.petitions.transitions import PROPAGATED, TRANSITIONS, changes, check_status
from mattran.domain.privacy import PersonalData
from mattran.domain.publication import FIELDS as PUBLIC_FIELDS
from mattran.domain.publication import PublicationDraft, approved, review
from mattran.domain.text import nfc
from mattran.domain.units import UnitResolver
from mattran.scope import Scope
from mattran.store import petition_followup as followup_store
from mattran.store import petitions as store
from mattran.store.db import Conn, Database

_REVIEW_REFUSED = "Chỉ cán bộ được giao xử lý tố cáo mới được duyệt công khai."


async def handled(conn: Conn, principal: Principal, code: str, for_update: bool = False) -> dict[str, Any]:
    """The petition ``code`` (its number, or a receipt) as the cadre handling it reads it: not found outside their
    scope, refused without the right."""
    code = public_number(code)
    row = await store.get(conn, code, for_update=for_update)
    if row is None:
        raise PetitionNotFound(f"Không tìm thấy phản ánh mã “{code}” trong phạm vi của bạn.")
    if not is_allowed(principal, Operation.PETITION_HANDLE, row["unit_path"] or "vn"):
        raise PetitionRefused("Tài khoản không có quyền xử lý phản ánh này.")
    return row


@dataclass(frozen=True)
class Counts:
    """A unit's petitions (with the units below it) counted by status."""

    unit_code: str
    unit_name: str
    category: str | None
    by_status: dict[PetitionStatus, int]
    overdue: int
    satisfied: int = 0  # answers their petitioners rated satisfying
    unsatisfied: int = 0  # and not
    # per category (no category asked for): all, those still open, those overdue
    by_category: dict[str, tuple[int, int, int]] = dataclass_field(default_factory=dict)

    @property
    def total(self) -> int:
        """All of them."""
        return sum(self.by_status.values())

    @property
    def open(self) -> int:
        """Those not yet answered, declined or merged."""
        return sum(n for status, n in self.by_status.items() if status in OPEN_STATUSES)


@dataclass(frozen=True)
class PetitionWorkflow:
    """What cadres do with the petitions of their units (and what a signed-in petitioner lists of their own)."""

    db: Database
    resolver: UnitResolver
    deadlines: Deadlines
    personal: PersonalData  # the petitioners' contacts
    embedder: Embedder  # similar petitions by meaning once loaded, else by wording only

    async def in_scope(
        self, principal: Principal, *, status: str | None = None, overdue: bool = False, mine: bool = False
    ) -> list[dict[str, Any]]:
        """Petitions the caller handles (cadres) or filed (``mine``)."""
        if not mine and not is_allowed(principal, Operation.PETITION_HANDLE):
            raise PetitionRefused("Tài khoản không có quyền xử lý phản ánh, kiến nghị.")
        if mine and not principal.authenticated:
            raise PetitionSignInRequired("Vui lòng đăng nhập để xem phản ánh của mình.")
        scope = Scope.public(principal.subject) if mine else principal.scope()
        async with self.db.transaction(scope) as conn:
            rows = await store.list_in_scope(
                conn,
                status=status,
                overdue_at=datetime.now(UTC) if overdue else None,
                submitter=principal.subject if mine else None,
            )
        return rows if mine else [as_seen_by(principal, r) for r in rows]

    async def listing(self, principal: Principal, filters: Filters) -> PetitionPage:
        """One page of the petitions the cadre handles, filtered and sorted, with how many match in all."""
        rows, total = await self._listed(principal, filters, filters.per_page, (filters.page - 1) * filters.per_page)
        return PetitionPage(rows, total, filters.page, filters.per_page)

    async def queue(self, principal: Principal) -> list[QueueItem]:
        """The cadre's work queue: new petitions, those due this week, overdue (theirs and state bodies' replies),
        those assigned to them; each counted, with its first few."""
        pages = [await self.listing(principal, filters) for _, filters, _ in QUEUE]
        return [
            QueueItem(label, found.total, found.rows, f"/can-bo/phan-anh?{link}")
            for (label, _, link), found in zip(QUEUE, pages, strict=True)
        ]

    async def export(self, principal: Principal, filters: Filters) -> bytes:
        """The whole filtered list (up to ``EXPORT_LIMIT`` rows) as an Excel workbook, without contacts."""
        rows, _ = await self._listed(principal, filters, EXPORT_LIMIT, 0)
        return to_excel(rows)

    async def _listed(
        self, principal: Principal, filters: Filters, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        if not is_allowed(principal, Operation.PETITION_HANDLE):
            raise PetitionRefused("Tài khoản không có quyền xử lý phản ánh, kiến nghị.")
        under = None
        if filters.unit_code:
            unit = self.resolver.units.get(filters.unit_code)
            if unit is None:
                raise InvalidPetition(f"Không có đơn vị mã “{filters.unit_code}”.", "unit")
            under = unit.path
        now = datetime.now(UTC)
        async with self.db.transaction(principal.scope()) as conn:
            rows, total = await store.search_in_scope(
                conn,
                status=filters.status,
                category=filters.category,
                overdue_at=now if filters.overdue else None,
                due_by=now + DUE_SOON if filters.due_soon else None,
                assignee=(principal.subject or "") if filters.mine else None,
                reply_overdue_at=now if filters.reply_overdue else None,
                under=under,
                query=nfc(filters.query).strip() or None if filters.query else None,
                sort=filters.sort.value,
                limit=limit,
                offset=offset,
            )
            names = await cadres.names(conn, [r["assigned_to"] for r in rows])
        shown = [as_seen_by(principal, r) for r in rows]
        return [r | {"assigned_name": names.get(r["assigned_to"], r["assigned_to"])} for r in shown], total

    async def counts(self, principal: Principal, unit_code: str | None, category: str | None = None) -> Counts:
        """How many petitions a unit in the cadre's scope (their own by default) and the units below it have, by
        status, and how many are overdue."""
        unit = self.resolver.units.get(unit_code or principal.unit_code or "")
        if unit is None or not is_allowed(principal, Operation.PETITION_HANDLE, unit.path):
            raise PetitionRefused("Tài khoản không có quyền xem phản ánh, kiến nghị của đơn vị này.")
        async with self.db.transaction(principal.scope()) as conn:
            rows = await store.counts_by_status(conn, unit.path, category, datetime.now(UTC))
            rated = await followup_store.rating_counts(conn, unit.path, category)
            kinds = [] if category else await store.counts_by_category(conn, unit.path, datetime.now(UTC))
        return Counts(
            unit_code=unit.code,
            unit_name=unit.name,
            category=category,
            by_status={PetitionStatus(r["status"]): r["n"] for r in rows},
            overdue=sum(r["overdue"] for r in rows),
            satisfied=rated["satisfied"],
            unsatisfied=rated["unsatisfied"],
            by_category={r["category"]: (r["n"], r["open"], r["overdue"]) for r in kinds},
        )

    async def overdue_units(self, principal: Principal, unit_code: str | None = None) -> OverdueUnits:
        """The units below a unit in the cadre's scope (their own by default) with petitions past their due date,
        most first, from the work queue's "quá hạn xử lý" query; a commune has its own count only."""
        unit = self.resolver.units.get(unit_code or principal.unit_code or "")
        if unit is None or not is_allowed(principal, Operation.PETITION_HANDLE, unit.path):
            raise PetitionRefused("Tài khoản không có quyền xem phản ánh, kiến nghị của đơn vị này.")
        async with self.db.transaction(principal.scope()) as conn:
            rows = await store.overdue_by_unit(conn, unit.path, datetime.now(UTC))
        below = [(r["code"], r["name"], r["overdue"]) for r in rows]
        return OverdueUnits(unit.code, unit.name, sum(n for *_, n in below), [] if unit.is_commune else below)

    async def detail(self, principal: Principal, code: str) -> dict[str, Any]:
        """A petition with its history, contact and similar petitions of its unit, for a cadre within scope."""
        code = public_number(code)
        async with self.db.transaction(principal.scope()) as conn:
            row = await handled(conn, principal, code)
            similar = await self._similar(conn, row) if row["unit_code"] else []
            hidden, submitter = not identity_visible(principal, row), submitter_label(row)
            events = [shown_event(e, submitter) for e in await store.events(conn, row["id"])]
            people = [e["actor"] for e in events] + [row["assigned_to"], row["reviewed_by"]]
            contact = None if hidden else await store.contact(conn, row["id"])
            if contact:
                await audit.record(conn, principal, "petition.view_contact", code, "allowed", unit=row["unit_code"])
            return {
                "petition": as_seen_by(principal, row),
                "events": events,
                "submitter": submitter,
                "identity_hidden": hidden,
                "similar": similar,
                "contact": Contact.opened(contact, self.personal) if contact else None,
                "attachments": [] if hidden else await store.attachments(conn, row["id"]),
                "additions": [] if hidden else await followup_store.additions(conn, [row["id"]]),
                "rating": await followup_store.rating(conn, row["id"]),
                "names": await cadres.names(conn, people),  # the cadres' display names, by account
                "cadres": await cadres.of_unit(conn, row["unit_code"]) if row["unit_code"] else [],
            }

    async def _similar(self, conn: Conn, row: dict[str, Any]) -> list[dict[str, Any]]:
        """Petitions of the row's unit, whatever their status, that may be the same matter, best first, each with
        its text and why it matches (the cadre compares them; nothing is chosen for a merge)."""
        text = f"{row['title']}\n{row['content']}"
        found = {r["id"]: dict(r) for r in await store.similar(conn, row["unit_code"], text, row["id"], limit=10)}
        vector = await similarity.vector_of(self.embedder, text)
        if vector is not None:
            rows = await store.similar_by_meaning(
                conn,
                row["unit_code"],
                vector,
                self.embedder.identity,
                row["id"],
                similarity.CANDIDATE_MEANING,
                limit=10,
            )
            similarity.keep_best(found, rows, "id")
        texts = await store.texts(conn, list(found), self.embedder.identity)
        candidates = [
            c | {"content": t["content"], "text": f"{t['title']}\n{t['content']}", "embedding": t["embedding"]}
            for c in found.values()
            if (t := texts.get(c["id"]))
        ]
        await similarity.weigh(self.embedder, text, candidates, vector)
        shown = similarity.judged(text, candidates)
        hidden = ("text", "meaning", "vectors", "embedding")
        return [{k: v for k, v in c.items() if k not in hidden} for c in shown][:5]

    async def compare(self, principal: Principal, code: str, other: str) -> dict[str, Any]:
        """Two petitions of the cadre's scope side by side with why they match or not (before a merge)."""
        async with self.db.transaction(principal.scope()) as conn:
            rows = [await handled(conn, principal, c) for c in (code, other)]
        texts = [f"{r['title']}\n{r['content']}" for r in rows]
        found = None
        if self.embedder.ready:
            pair = (await asyncio.to_thread(similarity.embedded, self.embedder, [(texts[0], texts[1])]))[0]
            found = compare(texts[0], texts[1], *pair)
        return {
            "petition": as_seen_by(principal, rows[0]),
            "other": as_seen_by(principal, rows[1]),
            "likely_same": bool(found and found.likely_same),
            "reasons": found.reasons() if found else ["Chưa so sánh được theo nghĩa: mô hình đang được nạp."],
            "mergeable": rows[0]["status"] in OPEN_STATUSES
            and rows[1]["status"] in OPEN_STATUSES
            and rows[0]["unit_code"] == rows[1]["unit_code"]
            and not rows[1]["merged_into"]
            and rows[0]["id"] != rows[1]["id"],
        }

    async def attachment(self, principal: Principal, code: str, attachment_id: int) -> dict[str, Any]:
        """One attachment's bytes, for a cadre within scope (of a denunciation: the assigned cadre only)."""
        found = await self.detail(principal, code)
        if found["identity_hidden"]:
            raise PetitionRefused(DENOUNCER_HIDDEN)
        async with self.db.transaction(principal.scope()) as conn:
            row = await store.attachment(conn, found["petition"]["id"], attachment_id)
        if row is None:
            raise PetitionNotFound("Không tìm thấy tệp đính kèm.")
        return row

    async def act(
        self, principal: Principal, code: str, action: Action, documents: Sequence[Attachment] = ()
    ) -> dict[str, Any]:
        """Carry out a cadre's action; every change is appended to the petition's history. ``documents``: the
        state body's reply document, attached when its reply is recorded (checked files)."""
        code = public_number(code)
        if documents and action.action != PetitionAction.RECORD_REPLY:
            raise InvalidPetition("Chỉ đính kèm tệp khi ghi nhận văn bản trả lời của cơ quan.", "document")
        to_status = TRANSITIONS[action.action][1]
        target = self.resolver.units.get(action.unit_code or "") if action.action == PetitionAction.TRANSFER else None
        if action.action == PetitionAction.TRANSFER and target is None:
            raise InvalidPetition("Cần chọn đơn vị Mặt trận nhận chuyển.", "unit_code")
        scope = principal.scope().widened(target.path) if target else principal.scope()
        async with self.db.transaction(scope) as conn:
            row = await handled(conn, principal, code, for_update=True)
            check_status(action.action, row["status"])
            if action.action == PetitionAction.MERGE:
                changed, detail = await self._merge_target(conn, row, action)
            elif action.action == PetitionAction.UNMERGE:
                changed, detail = await self._unmerged(conn, row)
            elif action.action == PetitionAction.PUBLISH:
                changed, detail = await self._reviewed(conn, principal, row, action)
            else:
                days_off = await holidays.ahead(conn, datetime.now(UTC))
                changed, detail = changes(row, action, target, self.deadlines, days_off)
            if to_status and to_status != row["status"]:
                changed["status"] = to_status
            await store.update(conn, row["id"], changed)
            if documents:
                await store.add_reply_documents(conn, row["id"], row["unit_path"], [d.as_row() for d in documents])
            await store.add_event(
                conn,
                row["id"],
                changed.get("unit_path", row["unit_path"]),
                principal.subject,
                action.action,
                row["status"],
                changed.get("status", row["status"]),
                detail,
            )
            if action.action in PROPAGATED:
                await self._propagate(conn, row, action.action, changed, principal)
            await audit.record(
                conn,
                principal,
                PETITION_PREFIX + action.action.value,
                code,
                "allowed",
                unit=row["unit_code"],
                **({"to_unit": target.code} if target else {}),
            )
            updated = await store.get(conn, code)
        assert updated is not None
        return updated

    async def _merge_target(
        self, conn: Conn, row: dict[str, Any], action: Action
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Merging a duplicate into another open petition of the same unit."""
        main = await store.get(conn, public_number(action.into)) if action.into else None
        if main is None or main["id"] == row["id"]:
            raise InvalidPetition("Cần chọn phản ánh giữ lại (mã tra cứu) trong phạm vi của bạn.", "into")
        if main["unit_code"] != row["unit_code"] or main["status"] not in OPEN_STATUSES or main["merged_into"]:
            raise PetitionConflict("Chỉ gộp được vào phản ánh đang xử lý của cùng đơn vị.", "into")
        return {"merged_into": main["id"]}, {"into": main["tracking_code"]}

    async def _unmerged(self, conn: Conn, row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Undoing a merge: the petition leaves the one it was merged into and takes back its status."""
        merges = [e for e in await store.events(conn, row["id"]) if e["action"] == PetitionAction.MERGE]
        if not merges or not row["merged_into"]:
            raise PetitionConflict("Phản ánh này chưa được gộp.", "action")
        before = merges[-1]["from_status"] or PetitionStatus.RECEIVED
        return {"merged_into": None, "status": before}, {"from": merges[-1]["detail"].get("into")}

    async def _reviewed(
        self, conn: Conn, principal: Principal, row: dict[str, Any], action: Action
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The public versions a cadre approved, made safe (what the detector still finds is masked)."""
        if not identity_visible(principal, row):
            raise PetitionRefused(_REVIEW_REFUSED, "action")
        known = await self._known(conn, row)
        changed: dict[str, Any] = {}
        masked = 0
        for field, label in PUBLIC_FIELDS.items():
            text = nfc((getattr(action, field) or "").strip())
            if not text:
                raise InvalidPetition(
                    f"Cần duyệt {label} công khai (đã che thông tin cá nhân) trước khi công khai.", field
                )
            changed[field], found = approved(text, known)
            masked += found
        now = datetime.now(UTC)
        changed |= {"reviewed_by": principal.subject, "reviewed_at": now, "published_at": now}
        return changed, {"masked_on_approval": masked}

    async def _known(self, conn: Conn, row: dict[str, Any]) -> list[str | None]:
        """The petitioner's own name and contacts, to be found wherever they appear in a text."""
        stored = await store.contact(conn, row["id"])
        return list(Contact.opened(stored, self.personal).values()) if stored else []

    async def publication_draft(self, principal: Principal, code: str) -> PublicationDraft:
        """The public title, text and answer to review: as written with the personal data found, and proposed
        masked (or as last approved)."""
        async with self.db.transaction(principal.scope()) as conn:
            row = await handled(conn, principal, code)
            if not identity_visible(principal, row):
                raise PetitionRefused(_REVIEW_REFUSED)
            if row["status"] not in TRANSITIONS[PetitionAction.PUBLISH][0]:
                raise PetitionConflict("Chỉ duyệt công khai được phản ánh đã có trả lời.", "action")
            known = await self._known(conn, row)
        return PublicationDraft(
            tracking_code=row["tracking_code"],
            reviewed_by=row["reviewed_by"],
            reviewed_at=row["reviewed_at"],
            title=review(row["title"], known, row["title_public"]),
            content=review(row["content"], known, row["content_public"]),
            answer=review(row["answer"] or "", known, row["answer_public"]),
        )

    async def _propagate(
        self,
        conn: Conn,
        main: dict[str, Any],
        action: PetitionAction,
        changed: dict[str, Any],
        principal: Principal,
    ) -> None:
        """The answer (and its reviewed publication) of a petition reaches every petitioner merged into it: a
        published duplicate shows the main petition's reviewed public version, never its own text."""
        status = PetitionStatus.ANSWERED if action == PetitionAction.ANSWER else PetitionStatus.PUBLISHED
        for dup in await store.merged_ids(conn, main["id"]):
            await store.update(conn, dup["id"], changed | {"status": status})
            await store.add_event(
                conn,
                dup["id"],
                dup["unit_path"],
                principal.subject,
                action,
                dup["status"],
                status,
                {"via": main["tracking_code"]},
            )
