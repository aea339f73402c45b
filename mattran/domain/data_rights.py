"""Data subjects' rights (Nghị định 13/2023/NĐ-CP Art. 9; Luật BVDLCN 2025): a signed-in person sees what the
platform holds about them and erases the contacts of their own closed petitions. Each use is audited."""

from __future__ import annotations

from typing import Any

from mattran.auth.principal import Principal
from mattran.domain import audit
from mattran.domain.consent import CONSENT_REQUIRED, PETITION_NOTICE_VERSION
from mattran.domain.petition_status import PetitionAction, PetitionStatus
from mattran.domain.petition_text import CATEGORIES
from mattran.domain.petitions import (
    OPEN_STATUSES,
    STATUS_LABELS,
    Contact,
    InvalidPetition,
    PetitionConflict,
    PetitionNotFound,
    PetitionSignInRequired,
    public_number,
)
from mattran.domain.privacy import PersonalData
from mattran.scope import Scope
from mattran.store import data_rights as store
from mattran.store import petitions as petitions_store
from mattran.store.db import Database

CLOSED_LABELS = "đã trả lời, đã công khai, không thụ lý hoặc đã gộp"


def _signed_in(principal: Principal) -> str:
    if not principal.authenticated or principal.subject is None:
        raise PetitionSignInRequired("Vui lòng đăng nhập để xem và quản lý dữ liệu của mình.")
    return principal.subject


async def my_data(
    db: Database, principal: Principal, personal: PersonalData, retention: dict[str, int] | None = None
) -> dict[str, Any]:
    """Everything held about the signed-in person: account, sessions, petitions (with contacts, files, history),
    assistant conversations and their own actions in the audit log."""
    subject = _signed_in(principal)
    async with db.transaction(Scope.public(subject)) as conn:
        petitions = []
        for row in await store.own_petitions(conn, subject):
            pid = row.pop("id")
            row_contact = await petitions_store.contact(conn, pid)
            contact = Contact.opened(row_contact, personal) if row_contact else None
            petitions.append(
                {
                    **row,
                    "status_label": STATUS_LABELS[row["status"]],
                    "category_label": CATEGORIES.get(row["category"], row["category"]),
                    "closed": row["status"] not in OPEN_STATUSES,
                    "contact": contact if contact and any(contact.values()) else None,
                    "attachments": await petitions_store.attachments(conn, pid),
                    "history": [
                        {**e, "to_label": STATUS_LABELS[PetitionStatus(e["to_status"])] if e["to_status"] else None}
                        for e in await store.history(conn, pid)
                    ],
                }
            )
        found = {
            "account": {
                "subject": subject,
                "name": principal.name,
                "roles": sorted(principal.roles),
                "role_labels": principal.role_labels,
                "unit_code": principal.unit_code,
                "unit_name": principal.unit_name,
            },
            "sessions": await store.sessions(conn, subject),
            "petitions": petitions,
            "chat": {"conversations": await store.chat_conversations(conn, subject)},
            "audit": await store.own_actions(conn, subject),
            "notice_version": PETITION_NOTICE_VERSION,
            "retention_days": retention or {},
        }
        await audit.record(conn, principal, "data_subject.access", subject, "allowed", petitions=len(petitions))
    return found


async def erase_contact(db: Database, principal: Principal, code: str) -> dict[str, Any]:
    """Delete the contacts of one of the person's petitions once it is closed (refused while it is open)."""
    subject = _signed_in(principal)
    code = public_number(code)
    async with db.transaction(Scope.public(subject)) as conn:
        row = await store.own_petition(conn, subject, code)
        if row is None:
            raise PetitionNotFound(f"Không tìm thấy phản ánh mã “{code}” do bạn gửi.", "code")
        if row["status"] in OPEN_STATUSES:
            await audit.record(
                conn, principal, "data_subject.erase_contact", row["tracking_code"], "denied", reason="open"
            )
            refused = PetitionConflict(
                f"Phản ánh {row['tracking_code']} đang được xử lý ({STATUS_LABELS[row['status']]}): đơn vị cần thông "
                f"tin liên hệ để trả lời bạn. Chỉ xóa được khi phản ánh {CLOSED_LABELS}.",
                "code",
            )
        else:
            refused = None
            deleted = await store.erase_contact(conn, row["id"])
            await petitions_store.add_event(
                conn,
                row["id"],
                row["unit_path"],
                None,
                PetitionAction.CONTACT_ERASED,
                row["status"],
                row["status"],
                {"by": "petitioner"},
            )
            await audit.record(
                conn, principal, "data_subject.erase_contact", row["tracking_code"], "allowed", deleted=deleted
            )
    if refused is not None:  # raised after the transaction so that the refusal's audit row is kept
        raise refused
    return {
        "tracking_code": row["tracking_code"],
        "deleted": deleted,
        "message": (
            "Đã xóa thông tin liên hệ của phản ánh." if deleted else "Phản ánh này không còn thông tin liên hệ nào."
        ),
    }


async def correct_contact(
    db: Database, principal: Principal, personal: PersonalData, code: str, contact: Contact, consent: bool
) -> dict[str, Any]:
    """Correct the contacts of one of the person's open petitions (how the unit calls them back); audited."""
    subject = _signed_in(principal)
    code = public_number(code)
    if any(contact.model_dump().values()) and not consent:
        raise InvalidPetition(CONSENT_REQUIRED, "consent")
    async with db.transaction(Scope.public(subject)) as conn:
        row = await store.own_petition(conn, subject, code)
        if row is None:
            raise PetitionNotFound(f"Không tìm thấy phản ánh mã “{code}” do bạn gửi.", "code")
        if row["status"] not in OPEN_STATUSES:
            raise PetitionConflict(
                f"Phản ánh {row['tracking_code']} đã đóng ({STATUS_LABELS[row['status']]}): không "
                "cần sửa thông tin liên hệ nữa; bạn có thể xóa chúng.",
                "code",
            )
        await store.correct_contact(conn, row["id"], row["unit_path"], contact.sealed(personal))
        await petitions_store.add_event(
            conn,
            row["id"],
            row["unit_path"],
            None,
            PetitionAction.CONTACT_CORRECTED,
            row["status"],
            row["status"],
            {"by": "petitioner"},
        )
        await audit.record(conn, principal, "data_subject.correct_contact", row["tracking_code"], "allowed")
    return {"tracking_code": row["tracking_code"], "message": "Đã cập nhật thông tin liên hệ của phản ánh."}
