"""The Open311 GeoReport v2 format over the one petition pipeline: services, new requests, public requests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, model_validator

from mattran.domain import public_requests as domain
from mattran.domain import receipts
from mattran.domain.api_keys import ApiKey
from mattran.domain.masking import mask_personal_data
from mattran.domain.petition_status import PetitionStatus
from mattran.domain.petition_text import CATEGORIES
from mattran.domain.petitions import OPEN_STATUSES, STATUS_LABELS, PetitionIn, Petitions
from mattran.domain.time import VIETNAM
from mattran.domain.unit import Level, Unit

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-22 00:00"  # change when the services below change
FORMATS = {"xml": "text/xml", "json": "application/json"}  # XML is the required one
WINDOW = timedelta(days=90)  # the spec's longest span of a request search
LIMIT = 1000  # the spec's default cap on a request search
PUBLISHED = PetitionStatus.PUBLISHED  # the only requests listed: the others are seen by their receipt alone
TITLE_LENGTH = 80
# Where a PetitionIn field comes from in an Open311 request, to name it in error messages.
FIELD_NAMES = {
    "title": "title",
    "content": "description",
    "unit_code": "jurisdiction_id",
    "unit_text": "address_string",
    "latitude": "lat",
    "longitude": "long",
    "category": "service_code",
    "contact.full_name": "first_name/last_name",
    "contact.phone": "phone",
    "contact.email": "email",
}

# category → (group, description, keywords)
_SERVICES: dict[str, tuple[str, str, str]] = {
    "dat_dai": (
        "Đất đai, môi trường và hạ tầng",
        "Giấy chứng nhận quyền sử dụng đất, thu hồi đất, bồi thường, tranh chấp, lấn chiếm, quy hoạch.",
        "đất đai, sổ đỏ, thu hồi đất, bồi thường, giải phóng mặt bằng, tranh chấp đất, lấn chiếm, quy hoạch",
    ),
    "moi_truong": (
        "Đất đai, môi trường và hạ tầng",
        "Ô nhiễm không khí, nguồn nước, rác thải, nước thải, tiếng ồn, mùi hôi.",
        "môi trường, ô nhiễm, rác thải, nước thải, khói bụi, tiếng ồn, mùi hôi",
    ),
    "ha_tang": (
        "Đất đai, môi trường và hạ tầng",
        "Đường sá, cầu cống, chiếu sáng, thoát nước, ngập úng, vỉa hè, điện, nước sạch.",
        "hạ tầng, đường, cầu, đèn đường, ngập, thoát nước, ổ gà, vỉa hè, nước sạch",
    ),
    "an_sinh": (
        "Xã hội",
        "Hộ nghèo, trợ cấp, bảo hiểm xã hội, người có công, người cao tuổi, người khuyết tật.",
        "an sinh, hộ nghèo, trợ cấp, bảo hiểm xã hội, lương hưu, người có công, khuyết tật",
    ),
    "y_te": (
        "Xã hội",
        "Khám chữa bệnh, trạm y tế, bảo hiểm y tế, dịch bệnh, tiêm chủng.",
        "y tế, bệnh viện, trạm y tế, bảo hiểm y tế, khám bệnh, thuốc, tiêm chủng",
    ),
    "giao_duc": (
        "Xã hội",
        "Trường lớp, học phí, giáo viên, dạy thêm, sách giáo khoa.",
        "giáo dục, trường học, học phí, giáo viên, học sinh, mầm non, dạy thêm",
    ),
    "an_ninh": (
        "An ninh trật tự và hành chính",
        "Trộm cắp, ma túy, cờ bạc, gây rối, tín dụng đen, lừa đảo, đua xe.",
        "an ninh, trật tự, trộm cắp, ma túy, cờ bạc, tín dụng đen, lừa đảo, đua xe",
    ),
    "hanh_chinh": (
        "An ninh trật tự và hành chính",
        "Thủ tục, giấy tờ, hồ sơ, một cửa, nhũng nhiễu, chậm giải quyết.",
        "hành chính, thủ tục, giấy tờ, hồ sơ, một cửa, nhũng nhiễu, chứng thực",
    ),
    "khac": ("Khác", "Các phản ánh, kiến nghị khác.", "khác"),
}


class Open311Error(Exception):
    """A request Open311 refuses: the HTTP status and one description per error (Vietnamese)."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(*descriptions)
        self.status, self.descriptions = status, list(descriptions)


class RequestForm(BaseModel):
    """The fields of a POST Service Request this platform uses; a blank value counts as absent (spec)."""

    service_code: str | None = Field(default=None, description="Mã lĩnh vực (xem services.json).")
    jurisdiction_id: str | None = Field(default=None, description="Mã đơn vị nhận (xã, tỉnh hoặc TW), nếu biết.")
    lat: str | None = Field(default=None, description="Vĩ độ WGS84 (cùng với long).")
    long: str | None = Field(default=None, description="Kinh độ WGS84 (cùng với lat).")
    address_string: str | None = Field(default=None, description="Địa chỉ tự do, từ cụ thể đến chung.")
    description: str | None = Field(default=None, description="Nội dung phản ánh, kiến nghị (20–5.000 ký tự).")
    title: str | None = Field(default=None, description="Tiêu đề (ngoài chuẩn); mặc định lấy từ những chữ đầu.")
    email: str | None = Field(default=None, description="Thư điện tử người gửi (không bao giờ công khai).")
    first_name: str | None = Field(default=None, description="Tên người gửi (không bao giờ công khai).")
    last_name: str | None = Field(default=None, description="Họ người gửi (không bao giờ công khai).")
    phone: str | None = Field(default=None, description="Điện thoại người gửi (không bao giờ công khai).")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_absent(cls, values: Any) -> Any:
        if isinstance(values, dict):
            return {k: v for k, v in values.items() if not (isinstance(v, str) and not v.strip())}
        return values


def discovery(base_url: str, production: bool) -> dict[str, Any]:
    """The service discovery document."""
    return {
        "changeset": CHANGESET,
        "contact": f"Quản trị hệ thống Mặt trận số: {base_url}/",
        "key_service": "Khóa API do quản trị viên cấp (lệnh `mattran apikey create TÊN` hoặc "
        "POST /api/admin/api-keys); gửi kèm tham số api_key khi tạo phản ánh.",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base_url}/open311/v2",
                "changeset": CHANGESET,
                "type": "production" if production else "test",
                "formats": list(FORMATS.values()),
            }
        ],
    }


def services() -> list[dict[str, Any]]:
    """One service per petition category."""
    return [service(code) for code in CATEGORIES]


def service(code: str) -> dict[str, Any]:
    """The service of one category (404 when there is none)."""
    if code not in CATEGORIES:
        raise Open311Error(404, f"Không có dịch vụ (lĩnh vực) mã “{code}”: xem danh sách tại services.json.")
    label = CATEGORIES[code]
    group, description, keywords = _SERVICES.get(
        code, ("Khác", f"Phản ánh, kiến nghị về {label.lower()}.", label.lower())
    )
    return {
        "service_code": code,
        "service_name": label,
        "description": description,
        "metadata": False,
        "type": "realtime",
        "keywords": keywords,
        "group": group,
    }


def service_definition(code: str) -> dict[str, Any]:
    """A service's definition: no extra attributes (every service has ``metadata`` false)."""
    service(code)
    return {"service_code": code, "attributes": []}


def jurisdiction(petitions: Petitions, code: str | None) -> Unit | None:
    """The unit a ``jurisdiction_id`` names (None when absent; 404 when unknown)."""
    if not code or not code.strip():
        return None
    code = code.strip()
    unit = petitions.views.resolver.units.get(code.upper() if code.lower() == "tw" else code)
    if unit is None:
        raise Open311Error(404, f"Không có đơn vị (jurisdiction_id) mã “{code}”.")
    return unit


def title_from(description: str) -> str:
    """A title from the description's first words, personal data masked (the spec has no title)."""
    words = mask_personal_data(" ".join(description.split())).split(" ")
    title = ""
    for word in words:
        if len(title) + len(word) + 1 > TITLE_LENGTH:
            return (title or word[: TITLE_LENGTH - 1]).rstrip(",;:-–") + "…"
        title = f"{title} {word}".strip()
    return title


def _number(value: str, name: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise Open311Error(400, f"Tham số “{name}” phải là số (WGS84).") from None


def petition_from(petitions: Petitions, form: RequestForm) -> PetitionIn:
    """The petition an Open311 request asks for (Open311Error, or pydantic's ValidationError, when it cannot)."""
    if not form.service_code:
        raise Open311Error(400, "Thiếu tham số “service_code” (mã lĩnh vực, xem services.json).")
    service(form.service_code)
    unit = jurisdiction(petitions, form.jurisdiction_id)
    problems = []
    if (form.lat is None) != (form.long is None):
        problems.append("Tham số “lat” và “long” phải được gửi cùng nhau.")
    elif unit is None and form.lat is None and not form.address_string:
        problems.append("Cần vị trí: “lat” và “long”, hoặc “address_string”, hoặc “jurisdiction_id” (mã đơn vị).")
    if not form.description:
        problems.append("Thiếu tham số “description” (nội dung phản ánh, kiến nghị).")
    if problems:
        raise Open311Error(400, *problems)
    assert form.description is not None
    full_name = " ".join(n for n in (form.last_name, form.first_name) if n) or None
    return PetitionIn(
        title=form.title or title_from(form.description),
        content=form.description,
        unit_code=unit.code if unit else None,
        unit_text=form.address_string,
        latitude=_number(form.lat, "lat") if form.lat is not None else None,
        longitude=_number(form.long, "long") if form.long is not None else None,
        category=form.service_code,  # checked by service() above
        contact={"full_name": full_name, "phone": form.phone, "email": form.email},
    )


async def file_request(
    petitions: Petitions, key: ApiKey, form: RequestForm, idempotency_key: str | None
) -> list[dict[str, Any]]:
    """File an Open311 request as a petition (channel ``open311``): its id is the full receipt; a retried key (in
    this API key's namespace) with the same request returns the same one."""
    data = petition_from(petitions, form)
    filed = await domain.file_request(petitions.intake, key, data, idempotency_key)
    return [{"service_request_id": filed.tracking_code, "service_notice": filed.message, "account_id": None}]


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _datetime(value: str | None, name: str) -> datetime | None:
    if not value or not value.strip():
        return None
    text = value.strip()
    if "T" in text and text[-6:-5] == " " and text[-3:-2] == ":":
        text = text[:-6] + "+" + text[-5:]  # a "+07:00" offset whose "+" became a space in the query string
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise Open311Error(
            400, f"Tham số “{name}” phải là ngày giờ ISO 8601, ví dụ 2026-05-01T00:00:00+07:00."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VIETNAM)


def _statuses(value: str | None) -> list[str] | None:
    wanted = _list(value)
    if not wanted:
        return None
    if unknown := [s for s in wanted if s not in ("open", "closed")]:
        raise Open311Error(400, f"Trạng thái “{unknown[0]}” không hợp lệ: chỉ có open hoặc closed.")
    closed = [s for s in STATUS_LABELS if s not in OPEN_STATUSES]
    return [s for w in dict.fromkeys(wanted) for s in (OPEN_STATUSES if w == "open" else closed)]


async def public_requests(
    petitions: Petitions,
    *,
    service_request_id: str | None = None,
    service_code: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    status: str | None = None,
    jurisdiction_id: str | None = None,
) -> list[dict[str, Any]]:
    """GET Service Requests, published ones only (by their public number): ids override every other filter;
    otherwise at most 90 days, newest first."""
    if ids := _list(service_request_id):
        codes = [r.public_code for r in map(receipts.parse, ids) if r]
        return await _fetch(petitions, codes=codes, statuses=[PUBLISHED]) if codes else []
    categories = _list(service_code)
    for code in categories:
        service(code)
    start, end = _datetime(start_date, "start_date"), _datetime(end_date, "end_date")
    if start and end:
        if start > end:
            raise Open311Error(400, "“start_date” phải trước “end_date”.")
        if end - start > WINDOW:
            raise Open311Error(400, "Khoảng thời gian tìm kiếm không được quá 90 ngày.")
    elif start:
        end = start + WINDOW
    else:
        end = end or datetime.now(VIETNAM)
        start = end - WINDOW
    unit = jurisdiction(petitions, jurisdiction_id)
    statuses = [s for s in _statuses(status) or [PUBLISHED] if s == PUBLISHED]
    return await _fetch(
        petitions,
        categories=categories or None,
        statuses=statuses,
        start=start,
        end=end,
        unit_code=unit.code if unit and unit.is_commune else None,
        province_code=unit.code if unit and unit.level == Level.PROVINCE else None,
    )


async def public_request(petitions: Petitions, code: str) -> list[dict[str, Any]]:
    """GET Service Request by its full receipt (a published one also by its number), as a list (404 otherwise)."""
    row = await domain.by_receipt(petitions.views, code, limit=LIMIT)
    if row is None:
        raise Open311Error(404, receipts.not_found(code))
    return [_request(petitions, row)]


async def _fetch(petitions: Petitions, **filters: Any) -> list[dict[str, Any]]:
    return [_request(petitions, row) for row in await domain.published(petitions.views.db, limit=LIMIT, **filters)]


def _request(petitions: Petitions, row: dict[str, Any]) -> dict[str, Any]:
    """A request as anyone may see it: the text only once published; the place is the receiving unit."""
    unit = petitions.views.resolver.units.get(row["unit_code"]) if row["unit_code"] else None
    notes = STATUS_LABELS[row["status"]]
    if row["answer_public"]:
        notes += f". Trả lời: {row['answer_public']}"
    address = None
    if unit:
        address = unit.name if not unit.is_commune else f"{unit.name}, {unit.province_name}"
    return {
        "service_request_id": row["tracking_code"],
        "status": "open" if row["status"] in OPEN_STATUSES else "closed",
        "status_notes": notes,
        "service_name": CATEGORIES[row["category"]],
        "service_code": row["category"],
        "description": row["content_public"],
        "agency_responsible": unit.name if unit else None,
        "service_notice": None,
        "requested_datetime": row["created_at"],
        "updated_datetime": row["updated_at"],
        "expected_datetime": row["due_at"],
        "address": address,
        "lat": unit.latitude if unit else None,
        "long": unit.longitude if unit else None,
    }
