"""Petitions API: intake (with idempotency keys), public status, published answers, cadre handling."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from mattran.domain import receipts
from mattran.domain.permissions import Operation
from mattran.domain.petitions import Action, Filed, PetitionIn, PetitionNotFound, PublicStatus, Similar
from mattran.domain.petitions.listing import MAX_PER_PAGE, Filters, Sort
from mattran.domain.publication import PublicationDraft
from mattran.domain.rate_limits import Limit, address_key
from web.auth import CurrentPrincipal, authorize
from web.deps import ServicesDep

router = APIRouter(prefix="/api/petitions", tags=["petitions"])


@router.post("", response_model=Filed, status_code=201)
async def file_petition(
    request: Request,
    services: ServicesDep,
    principal: CurrentPrincipal,
    petition: PetitionIn,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Filed:
    """Gửi phản ánh, kiến nghị; trả về mã tra cứu đầy đủ (ví dụ PAKN-2026-000123-7KQ4XZ), cần giữ kín để tra cứu.
    Gửi lại với cùng `Idempotency-Key` và cùng nội dung trả lại đúng mã đó; cùng khóa với nội dung khác bị từ chối."""
    return await services.petitions.intake.file(principal, petition, "api", idempotency_key)


@router.get("/public", response_model=list[dict[str, Any]])
async def published_answers(
    request: Request,
    services: ServicesDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    category: Annotated[str | None, Query(max_length=20)] = None,
    province: Annotated[str | None, Query(max_length=2)] = None,
    unit: Annotated[str | None, Query(max_length=10)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
) -> list[dict[str, Any]]:
    """Các trả lời đã công khai (không có thông tin cá nhân)."""
    return await services.petitions.views.published(
        province_code=province, unit_code=unit, category=category, query=q, limit=limit, offset=offset
    )


@router.get("", response_model=list[dict[str, Any]])
async def list_petitions(
    request: Request,
    response: Response,
    services: ServicesDep,
    principal: CurrentPrincipal,
    status: Annotated[str | None, Query(max_length=20)] = None,
    overdue: bool = False,
    mine: bool = False,
    category: Annotated[str | None, Query(max_length=20)] = None,
    unit: Annotated[str | None, Query(max_length=10, description="Đơn vị này và các đơn vị cấp dưới.")] = None,
    assigned: Annotated[bool, Query(description="Chỉ phản ánh giao cho chính cán bộ.")] = False,
    due_soon: Annotated[bool, Query(description="Còn mở, đến hạn trong 7 ngày tới.")] = False,
    reply_overdue: Annotated[bool, Query(description="Cơ quan nhà nước quá hạn trả lời.")] = False,
    q: Annotated[str | None, Query(max_length=200, description="Tìm trong tiêu đề và nội dung, không dấu.")] = None,
    sort: Sort = Sort.RECEIVED,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 200,
) -> list[dict[str, Any]]:
    """Phản ánh trong phạm vi xử lý của cán bộ (`overdue=true`: quá hạn), hoặc của chính người gửi (`mine=true`).
    Cán bộ: lọc, tìm, sắp xếp và phân trang; tổng số phản ánh khớp ở tiêu đề `X-Total-Count`."""
    if mine:
        return await services.petitions.workflow.in_scope(principal, status=status, overdue=overdue, mine=True)
    await authorize(request, principal, Operation.PETITION_HANDLE)
    filters = Filters(
        status=status,
        category=category,
        overdue=overdue,
        due_soon=due_soon,
        mine=assigned,
        reply_overdue=reply_overdue,
        unit_code=unit,
        query=q,
        sort=sort,
        page=page,
        per_page=per_page,
    )
    found = await services.petitions.workflow.listing(principal, filters)
    response.headers["X-Total-Count"] = str(found.total)
    return found.rows


@router.get("/{code}", response_model=PublicStatus)
async def petition_status(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, code: str
) -> PublicStatus:
    """Tra cứu tình trạng theo mã tra cứu đầy đủ (ví dụ PAKN-2026-000123-7KQ4XZ); chỉ số phản ánh
    (PAKN-2026-000123) khi đã công khai, là phản ánh của chính người đăng nhập, hoặc cán bộ trong phạm vi."""
    found = await services.petitions.views.status(code, principal)
    if found is None:
        raise PetitionNotFound(receipts.not_found(code), "code")
    return found


@router.get("/{code}/similar", response_model=list[Similar])
async def similar_petitions(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, code: str
) -> list[Similar]:
    """Phản ánh đã công khai tương tự tại cùng đơn vị (mã, tình trạng, tiêu đề công khai đã duyệt); cần mã tra cứu
    đầy đủ."""
    await services.limits.hit(Limit.SIMILAR, address_key(principal.address))
    return await services.petitions.views.similar_to(code, principal)


@router.get("/{code}/detail")
async def petition_detail(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, code: str
) -> dict[str, Any]:
    """Chi tiết, lịch sử xử lý và thông tin liên hệ (cán bộ trong phạm vi)."""
    await authorize(request, principal, Operation.PETITION_HANDLE)
    return await services.petitions.workflow.detail(principal, code)


@router.get("/{code}/publication", response_model=PublicationDraft)
async def publication_draft(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, code: str
) -> PublicationDraft:
    """Bản công khai để duyệt: tiêu đề, nội dung, trả lời gốc với thông tin cá nhân phát hiện được (vị trí) và bản
    đề xuất đã che; duyệt bằng thao tác `publish` với `title_public`, `content_public`, `answer_public`."""
    await authorize(request, principal, Operation.PETITION_HANDLE)
    return await services.petitions.workflow.publication_draft(principal, code)


@router.post("/{code}/actions")
async def petition_action(
    request: Request, services: ServicesDep, principal: CurrentPrincipal, code: str, action: Action
) -> dict[str, Any]:
    """Thao tác xử lý: thụ lý, không thụ lý, chuyển, giao, chuyển cơ quan có thẩm quyền, trả lời, công khai.

    `publish` nhận bản công khai đã duyệt (`title_public`, `content_public`, `answer_public`); thông tin cá nhân
    còn phát hiện được trong đó được che trước khi lưu."""
    await authorize(request, principal, Operation.PETITION_HANDLE)
    return await services.petitions.workflow.act(principal, code, action)


@router.post("/escalations")
async def escalate(request: Request, services: ServicesDep, principal: CurrentPrincipal) -> dict[str, list[str]]:
    """Chuyển lên cấp trên mọi phản ánh quá hạn (cán bộ Trung ương; cũng chạy định kỳ trong `mattran up`)."""
    await authorize(request, principal, Operation.PETITION_HANDLE, "TW")
    return {"escalated": await services.petitions.jobs.escalate_overdue()}
