"""The words of a petition's workflow: its statuses and the actions recorded in its history (stored as these values)."""

from __future__ import annotations

from enum import StrEnum

from mattran.domain.labelled import labels


class PetitionStatus(StrEnum):
    """Where a petition stands."""

    RECEIVED = "received"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    PUBLISHED = "published"
    MERGED = "merged"
    WITHDRAWN = "withdrawn"


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
    UNMERGE = "unmerge"  # a merge undone: the petition is handled on its own again
    RECEIVED = "received"  # the petitioner filed it
    ESCALATE = "escalate"  # moved to the parent unit past its due date
    CONTACT_ERASED = "contact_erased"
    CONTACT_CORRECTED = "contact_corrected"
    RETENTION_PURGE = "retention_purge"
    WITHDRAW = "withdraw"  # the petitioner withdrew it
    ADD_INFO = "add_info"  # the petitioner added information or files
    RATE = "rate"  # the petitioner rated the answer
    CLAIM = "claim"  # a guest's petition attached to the account of the citizen who opened its claim link


STATUS_LABELS = labels(
    PetitionStatus,
    "Đã tiếp nhận",
    "Đã thụ lý",
    "Không thụ lý",
    "Đang xử lý",
    "Đã trả lời",
    "Đã công khai trả lời",
    "Đã gộp với phản ánh cùng nội dung",
    "Người gửi đã rút",
)
ACTION_LABELS = labels(
    PetitionAction,
    "Thụ lý",
    "Không thụ lý",
    "Bắt đầu xử lý",
    "Trả lời",
    "Duyệt công khai",
    "Chuyển đơn vị Mặt trận khác",
    "Giao cán bộ",
    "Chuyển cơ quan có thẩm quyền",
    "Ghi nhận văn bản trả lời của cơ quan",
    "Đổi lĩnh vực",
    "Gộp vào phản ánh cùng nội dung",
    "Hủy gộp",
    "Tiếp nhận",
    "Chuyển lên cấp trên do quá hạn",
    "Xóa thông tin liên hệ",
    "Sửa thông tin liên hệ",
    "Xóa dữ liệu hết thời hạn lưu trữ",
    "Người gửi rút phản ánh",
    "Người gửi bổ sung thông tin",
    "Người gửi đánh giá trả lời",
    "Người gửi nhận phản ánh vào tài khoản",
)
"""How each action is named in a petition's history."""
OPEN_STATUSES = (PetitionStatus.RECEIVED, PetitionStatus.ACCEPTED, PetitionStatus.IN_PROGRESS)
