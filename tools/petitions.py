"""Petition tools: file a petition, follow one by its tracking code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from mattran.domain import receipts
from mattran.domain.permissions import Operation
from mattran.domain.petition_text import CATEGORIES, neutral_title, suggest_category
from mattran.domain.petitions import Contact, PetitionIn
from tools.base import ToolContext, domain_refusals, tool
from tools.names import ToolName


class FilePetitionArgs(BaseModel):
    """Arguments of ``file_petition`` (no title: it is made from the category and the unit, never from the
    citizen's words, which often start with their name and phone number)."""

    content: str = Field(min_length=20, max_length=5000, description="Nội dung phản ánh, kiến nghị.")
    unit_code: str = Field(max_length=10, description="Mã đơn vị Mặt trận nhận (xã, tỉnh hoặc TW).")
    category: str | None = Field(default=None, description="Lĩnh vực, nếu người dân đã chọn.")


class PetitionStatusArgs(BaseModel):
    """Arguments of ``get_petition_status``: a tracking code, or (cadres) a unit whose petitions are counted."""

    tracking_code: str | None = Field(
        default=None, max_length=100, description="Mã tra cứu đầy đủ, ví dụ PAKN-2026-000123-7KQ4XZ."
    )
    unit_code: str | None = Field(
        default=None, max_length=10, description="Cán bộ: đơn vị có phản ánh cần thống kê (mặc định: đơn vị mình)."
    )
    category: str | None = Field(default=None, description="Cán bộ: chỉ đếm phản ánh thuộc lĩnh vực này.")
    mine: bool = Field(
        default=False, description="Người đã đăng nhập: các phản ánh của chính mình và tình trạng (không cần mã)."
    )
    overdue_units: bool = Field(
        default=False, description="Cán bộ: các đơn vị cấp dưới có phản ánh quá hạn xử lý, nhiều nhất trước."
    )

    @field_validator("tracking_code")
    @classmethod
    def _a_receipt(cls, value: str | None) -> str | None:
        if value is not None and receipts.parse(value) is None:
            raise ValueError("không phải mã tra cứu (dạng PAKN-2026-000123-7KQ4XZ)")
        return value


_OWN_FIELDS = ("tracking_code", "title", "status", "status_label", "unit_name", "created_at", "due_at")


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@tool(ToolName.FILE_PETITION, Operation.PETITION_FILE, changes_data=True)
async def file_petition(ctx: ToolContext, args: FilePetitionArgs) -> dict[str, Any]:
    """Gửi một phản ánh, kiến nghị của người dân đến Ủy ban MTTQ của đơn vị được chọn; trả về mã tra cứu đầy đủ
    (người dân cần giữ lại cả 6 ký tự cuối)."""
    chosen = args.category if args.category in CATEGORIES else None
    unit = ctx.services.resolver.units.get(args.unit_code)
    title = neutral_title(chosen or suggest_category(args.content), unit.name if unit else None)
    data = PetitionIn(
        title=title,
        content=args.content,
        unit_code=args.unit_code,
        category=chosen,
        contact=ctx.contact or Contact(),
        consent=ctx.contact is not None,  # given after the notice, and confirmed with it
    )
    with domain_refusals():
        filed = await ctx.services.petitions.intake.file(ctx.principal, data, "chat", attachments=ctx.attachments)
    return filed.model_dump(mode="json") | {"attachments": len(ctx.attachments)}


@tool(ToolName.GET_PETITION_STATUS, Operation.PUBLIC_LOOKUP)
async def get_petition_status(ctx: ToolContext, args: PetitionStatusArgs) -> dict[str, Any]:
    """Tra cứu tình trạng xử lý một phản ánh theo mã tra cứu đầy đủ, ví dụ PAKN-2026-000123-7KQ4XZ (không có thông
    tin cá nhân); người đã đăng nhập hỏi "phản ánh của tôi" (``mine``) thì được danh sách phản ánh của mình và
    tình trạng; cán bộ không nêu mã thì được thống kê phản ánh của một đơn vị trong phạm vi theo trạng thái,
    số quá hạn, theo lĩnh vực (có thể lọc theo một lĩnh vực), hoặc (``overdue_units``) các đơn vị cấp dưới có phản
    ánh quá hạn, nhiều nhất trước."""
    if args.mine and args.tracking_code is None:
        with domain_refusals():
            own = await ctx.services.petitions.followup.mine(ctx.principal)  # RLS: the caller's own only
        return {"mine": [{key: _json(p[key]) for key in _OWN_FIELDS} for p in own]}
    if args.tracking_code is None and args.overdue_units:
        with domain_refusals():
            late = await ctx.services.petitions.workflow.overdue_units(ctx.principal, args.unit_code)
        return {
            "unit_code": late.unit_code,
            "unit_name": late.unit_name,
            "overdue": late.overdue,
            "overdue_units": [{"code": c, "name": n, "overdue": k} for c, n, k in late.units],
        }
    if args.tracking_code is None:
        chosen = args.category if args.category in CATEGORIES else None
        with domain_refusals():
            counts = await ctx.services.petitions.workflow.counts(ctx.principal, args.unit_code, chosen)
        return {
            "unit_code": counts.unit_code,
            "unit_name": counts.unit_name,
            "category": counts.category,
            "total": counts.total,
            "open": counts.open,
            "overdue": counts.overdue,
            "satisfied": counts.satisfied,
            "unsatisfied": counts.unsatisfied,
            "by_status": {str(status): n for status, n in counts.by_status.items()},
            "by_category": [
                {"category": key, "total": n, "open": still_open, "overdue": late}
                for key, (n, still_open, late) in counts.by_category.items()
            ],
        }
    found = await ctx.services.petitions.views.status(args.tracking_code, ctx.principal)
    return found.model_dump(mode="json") if found else {"not_found": receipts.not_found(args.tracking_code)}
