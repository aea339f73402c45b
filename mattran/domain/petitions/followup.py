"""What a signed-in petitioner does after filing: follows their petitions' history, withdraws an open one, adds
information to it, rates the answer. Only the petitioner acts on their own petition (checked here and by RLS)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from mattran.auth.principal import Principal
from mattran.domain.attachments import Attachment, check_all
from mattran.domain.petition_status import OPEN_STATUSES, STATUS_LABELS, PetitionAction, PetitionStatus
from mattran.domain.petitions.errors import (
    InvalidPetition,
    PetitionConflict,
    PetitionNotFound,
    PetitionSignInRequired,
)
from mattran.domain.petitions.models import Contact, public_number
from mattran.domain.privacy import PersonalData
from mattran.domain.pseudonyms import Pseudonyms
from mattran.domain.text import nfc
from mattran.domain.units import UnitResolver
from mattran.scope import Scope
from mattran.store import petition_followup as store
from mattran.store import petitions as petitions_store
from mattran.store.db import Conn, Database, Row

SIGN_IN = "Vui lòng đăng nhập để theo dõi phản ánh của mình."
ANSWERED = (PetitionStatus.ANSWERED, PetitionStatus.PUBLISHED)


class Withdrawal(BaseModel):
    """Why the petitioner withdraws (optional)."""

    reason: str | None = Field(default=None, max_length=1000)


class Addition(BaseModel):
    """Information the petitioner adds to their open petition."""

    text: str = Field(min_length=1, max_length=5000)


class Rating(BaseModel):
    """The petitioner's rating of the answer: satisfied or not, and why (required when not)."""

    satisfied: bool
    reason: str | None = Field(default=None, max_length=1000)


@dataclass(frozen=True)
class Step:
    """One line of a petition's timeline, as its petitioner reads it."""

    at: datetime
    label: str


def _unit_name(resolver: UnitResolver, code: object) -> str:
    unit = resolver.units.get(str(code or ""))
    return unit.name if unit else "đơn vị khác"


def step_label(event: Row, resolver: UnitResolver) -> str | None:
    """The petitioner's words for an event of the history (None: not shown to them, e.g. a cadre's assignment)."""
    detail: dict[str, Any] = event["detail"] or {}
    match event["action"]:
        case PetitionAction.RECEIVED:
            return "Đã tiếp nhận"
        case PetitionAction.ACCEPT:
            return "Đã thụ lý"
        case PetitionAction.DECLINE:
            return f"Không thụ lý: {detail.get('reason') or 'không ghi lý do'}"
        case PetitionAction.START:
            return "Đang xử lý"
        case PetitionAction.FORWARD:
            return f"Đã chuyển đến {detail.get('agency') or 'cơ quan có thẩm quyền'}"
        case PetitionAction.RECORD_REPLY:
            return f"Đã nhận văn bản trả lời của {detail.get('agency') or 'cơ quan có thẩm quyền'}"
        case PetitionAction.TRANSFER:
            return f"Đã chuyển đến {_unit_name(resolver, detail.get('to_unit'))}"
        case PetitionAction.ESCALATE:
            return f"Quá hạn trả lời: chuyển lên {_unit_name(resolver, detail.get('to_unit'))}"
        case PetitionAction.ANSWER:
            return "Đã trả lời"
        case PetitionAction.PUBLISH:
            return "Đã công khai trả lời" if event["from_status"] != event["to_status"] else None
        case PetitionAction.MERGE:
            return "Đã gộp với phản ánh cùng nội dung"
        case PetitionAction.WITHDRAW:
            return "Bạn đã rút phản ánh"
        case PetitionAction.ADD_INFO:
            return "Bạn đã bổ sung thông tin"
        case PetitionAction.RATE:
            return "Bạn đã đánh giá: " + ("hài lòng" if detail.get("satisfied") else "chưa hài lòng")
        case PetitionAction.CLAIM:
            return "Bạn đã nhận phản ánh vào tài khoản"
        case PetitionAction.CONTACT_CORRECTED:
            return "Bạn đã sửa thông tin liên hệ"
        case PetitionAction.CONTACT_ERASED:
            return "Thông tin liên hệ đã được xóa"
    return None


@dataclass(frozen=True)
class PetitionFollowUp:
    """A signed-in petitioner's own petitions and what they may do with them."""

    db: Database
    resolver: UnitResolver
    pseudonyms: Pseudonyms  # the petitioner as the history records them
    personal: PersonalData  # their contacts, to fill the next form

    async def known_contact(self, principal: Principal) -> dict[str, str]:
        """What the form is filled with for a signed-in person: their name, and the phone and e-mail they gave with
        their latest petition (empty for a guest)."""
        if not principal.authenticated or principal.subject is None:
            return {}
        async with self.db.transaction(Scope.public(principal.subject)) as conn:
            row = await store.last_contact(conn, principal.subject)
        known = Contact.opened(row, self.personal) if row else {}
        return {"full_name": principal.name} | {k: v for k, v in known.items() if v}

    @staticmethod
    def _subject(principal: Principal) -> str:
        if not principal.authenticated or principal.subject is None:
            raise PetitionSignInRequired(SIGN_IN)
        return principal.subject

    async def mine(self, principal: Principal) -> list[dict[str, Any]]:
        """The caller's petitions, newest first, each with its timeline, additions and rating."""
        subject = self._subject(principal)
        async with self.db.transaction(Scope.public(subject)) as conn:
            rows = await store.own(conn, subject)
            ids = [r["id"] for r in rows]
            events = await store.history(conn, ids) if ids else []
            added = await store.additions(conn, ids) if ids else []
        steps: dict[int, list[Step]] = {i: [] for i in ids}
        for e in events:
            if label := step_label(e, self.resolver):
                steps[e["petition_id"]].append(Step(e["at"], label))
        notes: dict[int, list[Row]] = {i: [] for i in ids}
        for a in added:
            notes[a["petition_id"]].append(a)
        return [
            {
                "tracking_code": r["tracking_code"],
                "title": r["title"],
                "kind": r["kind"],
                "status": r["status"],
                "status_label": STATUS_LABELS[PetitionStatus(r["status"])],
                "unit_name": r["unit_name"],
                "created_at": r["created_at"],
                "due_at": r["due_at"],
                "answer": r["answer"],
                "open": r["status"] in OPEN_STATUSES,
                "answered": r["status"] in ANSWERED,
                "rating": (
                    {"satisfied": r["satisfied"], "reason": r["rating_reason"], "rated_at": r["rated_at"]}
                    if r["satisfied"] is not None
                    else None
                ),
                "timeline": [{"at": s.at, "label": s.label} for s in steps[r["id"]]],
                "additions": [{"text": a["text"], "at": a["created_at"]} for a in notes[r["id"]]],
            }
            for r in rows
        ]

    async def _own(self, conn: Conn, subject: str, code: str) -> Row:
        row = await store.own_one(conn, subject, public_number(code))
        if row is None:
            raise PetitionNotFound(f"Không tìm thấy phản ánh mã “{public_number(code)}” do bạn gửi.", "code")
        return row

    async def _event(self, conn: Conn, row: Row, subject: str, action: PetitionAction, to: str, **detail: Any) -> None:
        await petitions_store.add_event(
            conn, row["id"], row["unit_path"], self.pseudonyms.of(subject), action, row["status"], to, detail
        )

    async def withdraw(self, principal: Principal, code: str, withdrawal: Withdrawal) -> dict[str, Any]:
        """Withdraw the caller's own open petition (recorded in its history with the reason given)."""
        subject = self._subject(principal)
        async with self.db.transaction(Scope.public(subject)) as conn:
            row = await self._own(conn, subject, code)
            if row["status"] not in OPEN_STATUSES:
                raise PetitionConflict(
                    f"Phản ánh {row['tracking_code']} đã {STATUS_LABELS[row['status']].lower()}: không rút được nữa.",
                    "code",
                )
            await petitions_store.update(conn, row["id"], {"status": PetitionStatus.WITHDRAWN})
            reason = nfc(withdrawal.reason.strip()) if withdrawal.reason and withdrawal.reason.strip() else None
            await self._event(conn, row, subject, PetitionAction.WITHDRAW, PetitionStatus.WITHDRAWN, reason=reason)
        return {"tracking_code": row["tracking_code"], "status": PetitionStatus.WITHDRAWN}

    async def add(
        self, principal: Principal, code: str, text: str, files: Sequence[tuple[str, bytes]] = ()
    ) -> dict[str, Any]:
        """Add information (text, files or both) to the caller's own open petition."""
        subject = self._subject(principal)
        text = nfc(text.strip())
        if len(text) > 5000:
            raise InvalidPetition("Nội dung bổ sung tối đa 5.000 ký tự.", "text")
        async with self.db.transaction(Scope.public(subject)) as conn:
            row = await self._own(conn, subject, code)
            if row["status"] not in OPEN_STATUSES:
                raise PetitionConflict(
                    f"Phản ánh {row['tracking_code']} đã {STATUS_LABELS[row['status']].lower()}: "
                    "không bổ sung được nữa.",
                    "code",
                )
            held = len(await petitions_store.attachments(conn, row["id"]))
            try:
                checked: list[Attachment] = check_all(list(files), held) if files else []
            except ValueError as exc:
                raise InvalidPetition(str(exc), "attachments") from exc
            if not text and not checked:
                raise InvalidPetition("Cần ghi nội dung bổ sung hoặc chọn tệp.", "text")
            await store.add(conn, row["id"], row["unit_path"], text, [a.as_row() for a in checked])
            await self._event(
                conn, row, subject, PetitionAction.ADD_INFO, row["status"], chars=len(text), files=len(checked)
            )
        return {"tracking_code": row["tracking_code"], "files": len(checked)}

    async def rate(self, principal: Principal, code: str, rating: Rating) -> dict[str, Any]:
        """Rate the answer of the caller's own answered petition (a new rating replaces the last)."""
        subject = self._subject(principal)
        reason = nfc(rating.reason.strip()) if rating.reason and rating.reason.strip() else None
        if not rating.satisfied and not reason:
            raise InvalidPetition("Vui lòng cho biết vì sao bạn chưa hài lòng.", "reason")
        async with self.db.transaction(Scope.public(subject)) as conn:
            row = await self._own(conn, subject, code)
            if row["status"] not in ANSWERED:
                raise PetitionConflict(f"Phản ánh {row['tracking_code']} chưa có trả lời để đánh giá.", "code")
            await store.rate(conn, row["id"], rating.satisfied, reason)
            await self._event(conn, row, subject, PetitionAction.RATE, row["status"], satisfied=rating.satisfied)
        return {"tracking_code": row["tracking_code"], "satisfied": rating.satisfied, "reason": reason}
