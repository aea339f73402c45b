"""Notices on personal data and the consent recorded with them (Nghị định 13/2023/NĐ-CP, Luật BVDLCN 2025).

Each notice has a version: a consent is stored with the version of the notice that was shown, so that a
changed notice (a new purpose, a new recipient) is a new version and old consents still say what they covered.
Change a notice's text only together with its version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

PETITION_NOTICE_VERSION = "2026-01"
MEMBER_IMPORT_NOTICE_VERSION = "2026-01"
CHAT_NOTICE_VERSION = "2026-01"

# The petition notice: web/templates/_privacy_notice.html shows the same points; the API describes `consent` with it.
PETITION_NOTICE = (
    "Thông tin liên hệ (họ tên, số điện thoại, email) và tệp đính kèm chỉ dùng để Ủy ban MTTQ tiếp nhận, chuyển và "
    "trả lời phản ánh của bạn; chỉ cán bộ đơn vị xử lý (và cấp trên) được xem, không bao giờ công khai. Nội dung "
    "phản ánh có thể chứa dữ liệu nhạy cảm (sức khỏe, gia đình, vị trí): chỉ phần đã được cán bộ xem xét và che "
    "thông tin cá nhân mới được công khai. Thông tin liên hệ được lưu đến khi phản ánh được giải quyết và sau đó "
    "theo thời hạn lưu trữ; khi phản ánh đã đóng, bạn có thể tự xóa tại “Dữ liệu của tôi”. Bạn có quyền biết, xem, "
    "sửa, xóa, rút lại sự đồng ý (Nghị định 13/2023/NĐ-CP, Luật Bảo vệ dữ liệu cá nhân 2025). Không để lại thông "
    "tin liên hệ thì phản ánh vẫn được xử lý: theo dõi bằng mã tra cứu."
)
CONSENT_REQUIRED = (
    "Cần đồng ý xử lý dữ liệu cá nhân (trường “consent”) khi để lại thông tin liên hệ; "
    "nếu không đồng ý, hãy bỏ trống họ tên, số điện thoại và email."
)
CONSENT_REQUIRED_FORM = (
    "Đồng ý xử lý dữ liệu cá nhân: cần đánh dấu ô đồng ý khi để lại thông tin liên hệ; nếu "
    "không đồng ý, hãy bỏ trống họ tên, số điện thoại và email."
)

CHAT_NOTICE = (
    "🔒 *Về dữ liệu cá nhân:* nội dung bạn gửi chỉ dùng để trả lời và giúp bạn gửi phản ánh; thông tin cá nhân được "
    "che trước khi đưa cho mô hình ngôn ngữ và không bao giờ công khai. Cuộc trò chuyện của khách được xóa khi "
    "phản ánh đã gửi hoặc hủy (chậm nhất sau 24 giờ); của người đăng nhập, sau 90 ngày. Chi tiết và quyền của "
    "bạn: [Dữ liệu của tôi](/du-lieu-cua-toi)."
)

MEMBER_IMPORT_NOTICE = (
    "Danh sách có dữ liệu cá nhân nhạy cảm (dân tộc, tôn giáo) và số điện thoại, email, CCCD của thành viên. "
    "Chỉ nhập khi các thành viên trong tệp đã được thông báo mục đích (tổ chức Ủy ban MTTQ theo Luật MTTQ 2015), "
    "người được xem (cán bộ đơn vị và cấp trên), thời hạn lưu trữ và quyền của họ, và đã đồng ý khi pháp luật "
    "yêu cầu (Nghị định 13/2023/NĐ-CP, Luật Bảo vệ dữ liệu cá nhân 2025)."
)
MEMBER_IMPORT_LABEL = (
    "Tôi xác nhận các thành viên trong tệp đã được thông báo và đã đồng ý cho việc xử lý dữ liệu "
    "cá nhân của họ như trên."
)
MEMBER_IMPORT_REQUIRED = (
    "Cần xác nhận các thành viên đã được thông báo và đồng ý xử lý dữ liệu cá nhân "
    "(trường “consent”) trước khi nhập danh sách."
)

# Open311 clients (applications holding an API key) collect their users' consent under their agreement with the
# operator; their petitions record it as given through the client.
CLIENT_ATTESTED = ("open311",)


def has_contact(contact: dict[str, Any]) -> bool:
    """Whether any contact detail was given."""
    return any(v is not None and str(v).strip() for v in contact.values())


def petition_consent(contact: dict[str, Any], consent: bool, channel: str, now: datetime) -> dict[str, Any] | None:
    """The consent columns of a new petition, or None when contacts were given without consent.

    No contact, no consent needed (the columns stay empty unless it was given anyway).
    """
    if channel in CLIENT_ATTESTED and has_contact(contact):
        return {"consent_at": now, "consent_notice": f"{channel}:client"}
    if consent:
        return {"consent_at": now, "consent_notice": f"{channel}:{PETITION_NOTICE_VERSION}"}
    if has_contact(contact):
        return None
    return {}


async def record_member_import(conn: Any, principal: Any, total: int, imported: int) -> None:
    """Store the importing cadre's confirmation with the version of the notice shown (same transaction)."""
    from mattran.store import consent as store

    await store.record_member_import(
        conn,
        actor=principal.subject or "",
        unit_code=principal.unit_code,
        unit_path=principal.unit_path,
        notice_version=MEMBER_IMPORT_NOTICE_VERSION,
        total=total,
        imported=imported,
    )
