"""The words of a petition's workflow: its statuses and the actions recorded in its history (stored as these values)."""

from __future__ import annotations

from enum import StrEnum

from mattran.domain.labelled import LabelledEnum, labels


class PetitionStatus(LabelledEnum):
    """Where a petition stands."""

    RECEIVED = "received", "Đã tiếp nhận"
    ACCEPTED = "accepted", "Đã thụ lý"
    DECLINED = "declined", "Không thụ lý"
    IN_PROGRESS = "in_progress", "Đang xử lý"
    ANSWERED = "answered", "Đã trả lời"
    PUBLISHED = "published", "Đã công khai trả lời"
    MERGED = "merged", "Đã gộp với phản ánh cùng nội dung"


class PetitionAction(StrEnum):
    """What happens to a petition: a cadre's action, or an event the platform records in its history."""

    ACCEPT = "accept"
    DECLINE = "decline"
    START = "start"
    ANSWER = "answer"
    PUBLISH = "publish"
    TRANSFER = "transfer"
    ASSIGN = "assign"
    FORWARD = "forward"
    RECORD_REPLY = "record_reply"
    SET_CATEGORY = "set_category"
    MERGE = "merge"
    RECEIVED = "received"  # the petitioner filed it
    ESCALATE = "escalate"  # moved to the parent unit past its due date
    CONTACT_ERASED = "contact_erased"
    CONTACT_CORRECTED = "contact_corrected"
    RETENTION_PURGE = "retention_purge"


STATUS_LABELS = labels(PetitionStatus)
OPEN_STATUSES = (PetitionStatus.RECEIVED, PetitionStatus.ACCEPTED, PetitionStatus.IN_PROGRESS)
