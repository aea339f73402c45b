"""What the petitioner is told, in Vietnamese: the receipt at filing and each change of their petition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mattran.domain.masking import mask_personal_data
from mattran.domain.petition_status import STATUS_LABELS, PetitionAction, PetitionStatus
from mattran.domain.petition_text import KINDS
from mattran.domain.time import VIETNAM

SIGNATURE = "Thư gửi tự động từ Mặt trận số, vui lòng không trả lời thư này."


@dataclass(frozen=True)
class Text:
    """A subject line and a plain-text body."""

    subject: str
    body: str


@dataclass(frozen=True)
class ClaimLink:
    """The link in a guest's receipt that attaches the petition to a citizen's account, and until when it works."""

    url: str
    until: datetime


def _what_happened(row: dict[str, Any]) -> str:
    """One sentence on the event, with what the petitioner needs of it (the answer, the agency, the reason)."""
    detail: dict[str, Any] = row["detail"] or {}
    match row["action"]:
        case PetitionAction.FORWARD:
            return f"Phản ánh đã được chuyển đến {detail.get('agency') or row['forwarded_to']} để giải quyết."
        case PetitionAction.ANSWER:
            return f"Phản ánh đã có trả lời:\n\n{row['answer'] or ''}"
        case PetitionAction.DECLINE:
            return f"Phản ánh không được thụ lý. Lý do: {detail.get('reason') or 'không ghi'}."
        case PetitionAction.TRANSFER | PetitionAction.ESCALATE:
            return f"Phản ánh đã được chuyển đến {row['unit_name']}."
        case PetitionAction.WITHDRAW:
            return "Ông/bà đã rút phản ánh này; đơn vị dừng xử lý."
    label = STATUS_LABELS[PetitionStatus(row["to_status"])] if row["to_status"] else row["action"]
    return f"Tình trạng mới: {label}."


def _footer(status_url: str, unsubscribe_url: str) -> str:
    return (
        f"Xem tình trạng: {status_url}\n"
        "Nếu đăng nhập khi gửi, ông/bà theo dõi mọi phản ánh của mình tại mục “Phản ánh của tôi”.\n\n"
        f"Không muốn nhận thông báo về phản ánh này nữa: {unsubscribe_url}\n"
        f"{SIGNATURE}"
    )


def change(row: dict[str, Any], status_url: str, unsubscribe_url: str) -> Text:
    """A change of the petition ``row`` (the outbox's row: the petition, the event, its unit)."""
    label = STATUS_LABELS[PetitionStatus(row["to_status"])] if row["to_status"] else "Cập nhật"
    if row["action"] == PetitionAction.FORWARD:
        label = "Đã chuyển cơ quan có thẩm quyền"
    elif row["action"] in (PetitionAction.TRANSFER, PetitionAction.ESCALATE):
        label = f"Đã chuyển đến {row['unit_name']}"
    body = (
        "Kính gửi ông/bà,\n\n"
        f"Phản ánh, kiến nghị mã {row['tracking_code']} của ông/bà có cập nhật lúc "
        f"{row['at'].astimezone(VIETNAM):%H:%M ngày %d/%m/%Y}.\n"
        f"{_what_happened(row)}\n\n" + _footer(status_url, unsubscribe_url)
    )
    return Text(f"[Mặt trận số] Phản ánh {row['tracking_code']}: {label}", body)


def receipt(
    row: dict[str, Any], full_code: str | None, status_url: str, unsubscribe_url: str, claim: ClaimLink | None = None
) -> Text:
    """The receipt at filing: the code (in full: it alone opens the status page), what was sent, masked; for a
    guest, the link that puts the petition in "Phản ánh của tôi"."""
    code = full_code or row["tracking_code"]
    keep = (
        "Xin giữ kín mã tra cứu đầy đủ này: chỉ ai có mã mới xem được tình trạng phản ánh.\n"
        if full_code
        else "Mã tra cứu đầy đủ (kèm 6 ký tự bí mật) đã hiện trên màn hình khi gửi.\n"
    )
    body = (
        "Kính gửi ông/bà,\n\n"
        "Mặt trận số đã tiếp nhận phản ánh, kiến nghị của ông/bà lúc "
        f"{row['at'].astimezone(VIETNAM):%H:%M ngày %d/%m/%Y}.\nMã tra cứu: {code}\n{keep}\n"
        "Nội dung đã gửi (thông tin cá nhân đã được che):\n"
        f"- Tiêu đề: {mask_personal_data(row['title'])}\n"
        f"- Nội dung: {mask_personal_data(row['content'])}\n"
        f"- Nơi nhận: {row['unit_name'] or 'cán bộ sẽ chuyển đến đúng đơn vị'}\n"
        f"- Hạn trả lời: {row['due_at'].astimezone(VIETNAM):%d/%m/%Y}\n\n"
        + (
            "Để theo dõi phản ánh này tại mục “Phản ánh của tôi”, ông/bà đăng nhập rồi mở đường dẫn sau "
            f"(dùng được đến ngày {claim.until.astimezone(VIETNAM):%d/%m/%Y}; không chuyển thư này cho người khác):\n"
            f"{claim.url}\n\n"
            if claim
            else ""
        )
        + _footer(status_url, unsubscribe_url)
    )
    return Text(f"[Mặt trận số] Đã tiếp nhận phản ánh {row['tracking_code']}", body)


def reminder(row: dict[str, Any], petition_url: str) -> Text:
    """A reminder to a cadre of the petition's unit (the outbox's row: the petition, the reminder, its unit): the
    petition's number, kind and dates only, never what the petitioner wrote or who they are."""
    deadline = row["deadline"].astimezone(VIETNAM)
    code, kind = row["tracking_code"], KINDS.get(row["kind"], "Phản ánh")
    about = f"{kind} số {code}, tiếp nhận ngày {row['received_at'].astimezone(VIETNAM):%d/%m/%Y},"
    match row["reminder_kind"]:
        case "reply":
            subject = f"Sắp đến hạn cơ quan trả lời phản ánh {code}"
            what = (
                f"{about} đã chuyển đến {row['forwarded_to']}; hạn cơ quan trả lời là ngày {deadline:%d/%m/%Y}.\n"
                "Đề nghị đồng chí theo dõi, đôn đốc và cập nhật văn bản trả lời khi nhận được."
            )
        case "escalation":
            subject = f"Phản ánh {code} sắp được chuyển lên cấp trên"
            what = (
                f"{about} có hạn trả lời ngày {deadline:%d/%m/%Y}. Nếu chưa được trả lời trước "
                f"{deadline:%H:%M ngày %d/%m/%Y}, phản ánh sẽ tự động chuyển lên {row['parent_name'] or 'cấp trên'}.\n"
                "Đề nghị đồng chí hoàn thành việc trả lời trong hạn."
            )
        case _:
            subject = f"Phản ánh {code} sắp đến hạn trả lời"
            what = (
                f"{about} có hạn trả lời ngày {deadline:%d/%m/%Y}.\n"
                "Đề nghị đồng chí xem xét, xử lý và trả lời người gửi đúng hạn."
            )
    body = (
        f"Kính gửi cán bộ {row['unit_name']},\n\n{what}\n\nXem và xử lý: {petition_url}\n\n"
        "Thư nhắc việc gửi đến cán bộ của đơn vị có tài khoản kèm địa chỉ thư điện tử.\n"
        f"{SIGNATURE}"
    )
    return Text(f"[Mặt trận số] Nhắc việc: {subject}", body)
