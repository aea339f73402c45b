"""The workflow's rules: from which statuses each action may be taken, where it leads, what it changes."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time
from typing import Any

from mattran.domain.petition_status import ACTION_LABELS, OPEN_STATUSES, STATUS_LABELS, PetitionAction, PetitionStatus
from mattran.domain.petition_text import Deadlines, add_working_days
from mattran.domain.petitions.errors import InvalidPetition, PetitionConflict
from mattran.domain.petitions.models import Action
from mattran.domain.text import nfc
from mattran.domain.time import VIETNAM
from mattran.domain.unit import Unit

TRANSITIONS: dict[PetitionAction, tuple[tuple[PetitionStatus, ...], PetitionStatus | None]] = {
    PetitionAction.ACCEPT: ((PetitionStatus.RECEIVED,), PetitionStatus.ACCEPTED),
    PetitionAction.DECLINE: ((PetitionStatus.RECEIVED,), PetitionStatus.DECLINED),
    PetitionAction.START: ((PetitionStatus.ACCEPTED,), PetitionStatus.IN_PROGRESS),
    PetitionAction.ANSWER: ((PetitionStatus.ACCEPTED, PetitionStatus.IN_PROGRESS), PetitionStatus.ANSWERED),
    # a published version may be reviewed again
    PetitionAction.PUBLISH: ((PetitionStatus.ANSWERED, PetitionStatus.PUBLISHED), PetitionStatus.PUBLISHED),
    PetitionAction.TRANSFER: (OPEN_STATUSES, PetitionStatus.RECEIVED),
    PetitionAction.ASSIGN: (OPEN_STATUSES, None),
    PetitionAction.FORWARD: ((PetitionStatus.ACCEPTED, PetitionStatus.IN_PROGRESS), PetitionStatus.IN_PROGRESS),
    PetitionAction.RECORD_REPLY: ((PetitionStatus.IN_PROGRESS,), None),
    PetitionAction.SET_CATEGORY: (OPEN_STATUSES, None),
    PetitionAction.MERGE: (OPEN_STATUSES, PetitionStatus.MERGED),
    # back to the status it had before the merge, while the petition kept has not been answered
    PetitionAction.UNMERGE: ((PetitionStatus.MERGED,), None),
}
REPLY_WORKING_DAYS = 15  # a state body's reply, when the cadre enters no date
END_OF_DAY = time(23, 59, 59)
# what happens to a petition happens to those merged into it
PROPAGATED = {PetitionAction.ANSWER, PetitionAction.PUBLISH}


def check_status(action: PetitionAction, status: str) -> None:
    """Refuse ``action`` on a petition at ``status`` when the workflow does not allow it there."""
    if status not in TRANSITIONS[action][0]:
        label = STATUS_LABELS[PetitionStatus(status)]
        raise PetitionConflict(
            f"Không thể “{ACTION_LABELS[action].lower()}” khi phản ánh đang ở trạng thái “{label}”.", "action"
        )


def changes(
    row: dict[str, Any], action: Action, target: Unit | None, deadlines: Deadlines, holidays: Collection[date] = ()
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The columns an action (other than merging and publishing) changes, and the detail its event records.

    A date a cadre enters is a Vietnamese date: a reply due on 15/12 is due by the end of 15/12 in Vietnam."""
    now = datetime.now(UTC)
    match action.action:
        case PetitionAction.DECLINE | PetitionAction.TRANSFER if not (action.reason and action.reason.strip()):
            raise InvalidPetition("Cần ghi rõ lý do.", "reason")
        case PetitionAction.DECLINE:
            return {}, {"reason": action.reason}
        case PetitionAction.TRANSFER:
            assert target is not None
            return (
                {
                    "unit_code": target.code,
                    "unit_path": target.path,
                    "needs_addressing": False,
                    "due_at": deadlines.due(row["category"], now, holidays),
                },
                {"reason": action.reason, "from_unit": row["unit_code"], "to_unit": target.code},
            )
        case PetitionAction.ANSWER:
            if not (action.answer and action.answer.strip()):
                raise InvalidPetition("Cần nhập nội dung trả lời.", "answer")
            return {"answer": nfc(action.answer.strip()), "answered_at": now}, {}
        case PetitionAction.ASSIGN:
            if not action.assignee:
                raise InvalidPetition("Cần chọn cán bộ được giao.", "assignee")
            return {"assigned_to": action.assignee}, {"assignee": action.assignee}
        case PetitionAction.FORWARD:
            if not (action.agency and action.agency.strip()):
                raise InvalidPetition("Cần ghi rõ cơ quan nhận chuyển.", "agency")
            due = (
                datetime.combine(action.reply_due, END_OF_DAY, tzinfo=VIETNAM)
                if action.reply_due
                else add_working_days(now, REPLY_WORKING_DAYS, holidays)
            )
            return (
                {"forwarded_to": action.agency.strip(), "forwarded_at": now, "reply_due_at": due},
                {"agency": action.agency.strip(), "reply_due": due.astimezone(VIETNAM).date().isoformat()},
            )
        case PetitionAction.RECORD_REPLY:
            if not row["forwarded_to"]:
                raise PetitionConflict("Phản ánh chưa được chuyển đến cơ quan nào.", "action")
            if not (action.reply_text and action.reply_text.strip()):
                raise InvalidPetition("Cần nhập nội dung văn bản trả lời của cơ quan.", "reply_text")
            if action.reply_date and action.reply_date > now.astimezone(VIETNAM).date():
                raise InvalidPetition("Ngày của văn bản trả lời không được sau hôm nay.", "reply_date")
            return (
                {
                    "reply_text": nfc(action.reply_text.strip()),
                    "reply_received_at": now,
                    "reply_document_date": action.reply_date,
                },
                {"agency": row["forwarded_to"], "reply_date": str(action.reply_date) if action.reply_date else None},
            )
        case PetitionAction.SET_CATEGORY:
            if action.category is None:
                raise InvalidPetition("Cần chọn lĩnh vực.", "category")
            return ({"category": action.category}, {"from": row["category"], "to": action.category})
    return {}, {}
