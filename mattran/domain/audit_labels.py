"""The Vietnamese names of audited actions and outcomes, as the audit view and its export show them."""

from __future__ import annotations

from mattran.auth.principal import ROLE_LABELS
from mattran.domain.permissions import Operation
from mattran.domain.petition_status import ACTION_LABELS as PETITION_ACTIONS

OUTCOME_LABELS = {"allowed": "Cho phép", "denied": "Từ chối", "error": "Lỗi"}
PETITION_PREFIX = "petition."  # a petition action is audited as ``petition.<PetitionAction>``

_OPERATIONS = {  # checked at a door (the operation's value is the action)
    Operation.CHAT: "Dùng trợ lý",
    Operation.PETITION_FILE: "Gửi phản ánh",
    Operation.PUBLIC_LOOKUP: "Tra cứu công khai",
    Operation.CADRE_PAGES: "Mở trang cán bộ",
    Operation.PETITION_HANDLE: "Xử lý phản ánh",
    Operation.MEMBER_READ: "Xem hội viên",
    Operation.MEMBER_WRITE: "Sửa hội viên",
    Operation.CONGRESS_READ: "Xem tiến độ đại hội",
    Operation.CONGRESS_UPDATE: "Cập nhật tiến độ đại hội",
    Operation.REPORT_DRAFT: "Soạn báo cáo",
    Operation.AUDIT_READ: "Xem nhật ký kiểm toán",
    Operation.ACCOUNT_ADMIN: "Quản trị tài khoản, khóa API",
    Operation.LIBRARY_SEARCH: "Tra cứu thư viện",
    Operation.LIBRARY_MANAGE: "Quản lý thư viện",
}
_RECORDED = {  # recorded by the domain layer
    "api_key.create": "Tạo khóa API",
    "api_key.revoke": "Thu hồi khóa API",
    "auth.sign_in": "Đăng nhập",
    "auth.sign_out": "Đăng xuất",
    "data_subject.access": "Người dân xem dữ liệu của mình",
    "data_subject.erase_contact": "Người dân xóa thông tin liên hệ",
    "data_subject.correct_contact": "Người dân sửa thông tin liên hệ",
    "holiday.add": "Thêm ngày nghỉ lễ",
    "member.import": "Nhập danh sách hội viên",
    "member.export": "Xuất danh sách hội viên",
    "member.delete": "Xóa hội viên nhập nhầm",
    "retention.purge": "Xóa dữ liệu hết hạn lưu trữ",
    "petition.view_contact": "Xem liên hệ của người gửi phản ánh",
    "report.revise": "Sửa bản thảo báo cáo",
    "library.save": "Thêm, cập nhật tài liệu thư viện",
    "library.delete": "Xóa tài liệu thư viện",
}
ACTION_LABELS: dict[str, str] = (
    {op.value: label for op, label in _OPERATIONS.items()}
    | {f"{PETITION_PREFIX}{a.value}": f"Phản ánh: {label.lower()}" for a, label in PETITION_ACTIONS.items()}
    | _RECORDED
)


def action_label(action: str) -> str:
    """The Vietnamese name of ``action`` (an action named nowhere shows as recorded)."""
    return ACTION_LABELS.get(action, action)


def roles_label(roles: list[str]) -> str:
    """The roles of an entry, in Vietnamese."""
    return ", ".join(ROLE_LABELS.get(r, r) for r in roles)  # type: ignore[call-overload]
