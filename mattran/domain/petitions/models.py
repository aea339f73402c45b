"""The petition's models at the doors: what is filed, what the petitioner and the public are told, a cadre's action."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from mattran.domain import receipts
from mattran.domain.consent import PETITION_NOTICE
from mattran.domain.petition_status import PetitionAction
from mattran.domain.privacy import Field as ContactField
from mattran.domain.privacy import PersonalData

Category = Literal["dat_dai", "moi_truong", "ha_tang", "an_sinh", "y_te", "giao_duc", "an_ninh", "hanh_chinh", "khac"]
Channel = Literal["web", "api", "chat", "open311"]
Notify = Literal["email", "sms", "zalo", "none"]
Kind = Literal["phan_anh", "kien_nghi", "khieu_nai", "to_cao"]
DENUNCIATION = "to_cao"  # the denouncer's identity: only the cadre the petition is assigned to (Luật Tố cáo 2018)
_PHONE_CHARS = set("0123456789 +.-()")
_CONTACT_FIELDS: tuple[ContactField, ...] = ("full_name", "phone", "email")


def public_number(text: str) -> str:
    """The petition number a cadre means (``PAKN-2026-000123``), from a number or a receipt however written."""
    receipt = receipts.parse(text)
    return receipt.public_code if receipt else text.strip().upper()


class Contact(BaseModel):
    """How the petitioner can be reached: personal data, never published."""

    full_name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=20)
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        digits = [c for c in value if c.isdigit()]
        if not set(value) <= _PHONE_CHARS or not 9 <= len(digits) <= 12:
            raise ValueError("số điện thoại không hợp lệ")
        return value.strip()

    def sealed(self, protector: PersonalData) -> dict[str, bytes | None]:
        """The columns stored: every value encrypted."""
        return {f"{k}_enc": protector.encrypt(k, getattr(self, k)) for k in _CONTACT_FIELDS}

    @staticmethod
    def opened(row: dict[str, Any], protector: PersonalData) -> dict[str, str | None]:
        """The clear contact of a stored row."""
        return {k: protector.decrypt(k, row[f"{k}_enc"]) for k in _CONTACT_FIELDS}


class PetitionIn(BaseModel):
    """A new petition, from any door."""

    title: str = Field(min_length=5, max_length=200, description="Tiêu đề ngắn gọn.")
    content: str = Field(min_length=20, max_length=5000, description="Nội dung phản ánh, kiến nghị.")
    unit_code: str | None = Field(default=None, max_length=10, description="Mã đơn vị nhận (xã, tỉnh hoặc TW).")
    unit_text: str | None = Field(default=None, max_length=300, description="Hoặc: tên đơn vị/địa chỉ tự do.")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    category: Category | None = None
    kind: Kind = Field(default="phan_anh", description="Phản ánh, kiến nghị, khiếu nại hoặc tố cáo.")
    contact: Contact = Field(default_factory=Contact)
    consent: bool = Field(
        default=False,
        description=f"Đồng ý xử lý thông tin liên hệ (bắt buộc khi có `contact`, "
        f"ghi lại cùng phiên bản thông báo): {PETITION_NOTICE}",
    )
    notify: Notify | None = Field(
        default=None,
        description="Nhận biên nhận và thông báo khi phản ánh đổi tình trạng qua: email, sms, zalo (số điện thoại "
        "trong `contact`) hoặc none; mặc định: email khi có email trong `contact`.",
    )


class Similar(BaseModel):
    """A published petition of the same unit with close public text, and its reviewed public title."""

    tracking_code: str
    status_label: str
    title: str | None


class Filed(BaseModel):
    """What the petitioner is told once the petition is safely stored."""

    tracking_code: str
    status: str
    status_label: str
    unit_code: str | None
    unit_name: str | None
    needs_addressing: bool
    category: str
    category_label: str
    due_at: datetime
    message: str


class PublicStatus(BaseModel):
    """What anyone holding the tracking code may see (no personal data)."""

    tracking_code: str
    status: str
    status_label: str
    category: str
    category_label: str
    unit_code: str | None
    unit_name: str | None
    created_at: datetime
    due_at: datetime
    answered_at: datetime | None
    published_at: datetime | None
    title: str | None
    content: str | None
    answer: str | None


class Action(BaseModel):
    """A cadre's action on a petition."""

    action: Literal[
        PetitionAction.ACCEPT,
        PetitionAction.DECLINE,
        PetitionAction.START,
        PetitionAction.ANSWER,
        PetitionAction.PUBLISH,
        PetitionAction.TRANSFER,
        PetitionAction.ASSIGN,
        PetitionAction.FORWARD,
        PetitionAction.RECORD_REPLY,
        PetitionAction.SET_CATEGORY,
        PetitionAction.MERGE,
        PetitionAction.UNMERGE,
    ]
    reason: str | None = Field(default=None, max_length=1000)
    answer: str | None = Field(default=None, max_length=10000)
    unit_code: str | None = Field(default=None, max_length=10)
    assignee: str | None = Field(default=None, max_length=100)
    agency: str | None = Field(default=None, max_length=300)
    reply_due: date | None = None
    reply_text: str | None = Field(default=None, max_length=10000)
    reply_date: date | None = Field(default=None, description="record_reply: ngày của văn bản trả lời")
    category: Category | None = None
    into: str | None = Field(default=None, max_length=40, description="merge: mã phản ánh giữ lại")
    title_public: str | None = Field(default=None, max_length=200, description="publish: tiêu đề công khai")
    content_public: str | None = Field(default=None, max_length=5000, description="publish: nội dung công khai")
    answer_public: str | None = Field(default=None, max_length=10000, description="publish: trả lời công khai")
