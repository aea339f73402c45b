"""Member tool: how many committee members match, their share, average age and ranking across the units below; and
the rest of the register: member organisations, the committee of a term, residential-area work committees, a
member's history; within the caller's scope (no personal data but the names of committee members)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from mattran.domain.member_stats import MemberFilters, UnitFigure, member_figures
from mattran.domain.permissions import Operation
from mattran.domain.register_figures import committee_figures, member_stories, organisation_figures, work_figures
from tools.base import ToolContext, in_scope, tool
from tools.names import ToolName

Measure = Literal["count", "share", "average_age", "ranking", "gender_gap"]
Subject = Literal["members", "organisations", "committee", "work_committees", "history"]
_RANKED = 12  # units listed in a ranking


class QueryMembersArgs(BaseModel):
    """Arguments of ``query_members``."""

    unit_code: str | None = Field(default=None, max_length=10, description="Đơn vị (mặc định: đơn vị của cán bộ).")
    filters: MemberFilters = Field(default_factory=MemberFilters, description="Điều kiện đếm; bỏ trống = mọi ủy viên.")
    measure: Measure = Field(
        default="count",
        description="count: số người; share: tỷ lệ trong nhóm; average_age: tuổi bình quân; ranking: so sánh, xếp hạng "
        "các đơn vị trực thuộc; gender_gap: số nữ so với số nam.",
    )
    compare: list[str] = Field(
        default_factory=list, max_length=2, description="Hai đơn vị cần so sánh (mã), trong phạm vi của cán bộ."
    )
    rank_by: Literal["count", "share", "average_age"] = Field(
        default="count", description="Xếp hạng theo số người, theo tỷ lệ hoặc theo tuổi bình quân."
    )
    subject: Subject = Field(
        default="members",
        description="members: đếm ủy viên; organisations: tổ chức thành viên (số lượng, loại, số ủy viên mỗi tổ "
        "chức); committee: Ủy ban, Ban Thường trực của nhiệm kỳ (filters.term); work_committees: ban công tác "
        "Mặt trận ở khu dân cư (số ban, khu dân cư chưa có trưởng ban, số hộ); history: quá trình thay đổi của "
        "một ủy viên (member_name).",
    )
    member_name: str | None = Field(
        default=None, max_length=100, description="Họ tên ủy viên cần xem lịch sử (subject = history)."
    )


@tool(ToolName.QUERY_MEMBERS, Operation.MEMBER_READ)
async def query_members(ctx: ToolContext, args: QueryMembersArgs) -> dict[str, Any]:
    """Đếm ủy viên Ủy ban MTTQ của một đơn vị (và các đơn vị cấp dưới) theo giới tính, chức vụ, tổ chức, dân tộc
    (cả dân tộc thiểu số), tôn giáo, độ tuổi, nhiệm kỳ; tỷ lệ, tuổi bình quân, so sánh giữa các đơn vị trực thuộc;
    chỉ trong phạm vi của cán bộ; không trả thông tin cá nhân. Cũng trả lời về tổ chức thành viên, Ủy ban và Ban
    Thường trực theo nhiệm kỳ, ban công tác Mặt trận ở khu dân cư, lịch sử thay đổi của một ủy viên (xem subject)."""
    if args.subject != "members":
        return await _register(ctx, args)
    async with in_scope(ctx) as conn:
        figures = await member_figures(conn, ctx.principal, args.unit_code, args.filters)
        compared = [await member_figures(conn, ctx.principal, code, args.filters) for code in args.compare]
        wanted = ("nữ", "nam") if args.measure == "gender_gap" else ()
        genders = {g: await member_figures(conn, ctx.principal, args.unit_code, _with(args.filters, g)) for g in wanted}
    result: dict[str, Any] = {
        "unit_code": figures.unit_code,
        "unit_name": figures.unit_name,
        "filters": args.filters.model_dump(exclude_none=True),
        "measure": args.measure,
        "count": figures.count,
        "total": figures.total,
        "share": figures.share,
    }
    if genders:
        result["genders"] = {g: f.count for g, f in genders.items()}
    if compared:
        result["compared"] = [
            c.model_dump(include={"unit_code", "unit_name", "count", "total", "share", "average_age"}) for c in compared
        ]
    own = [u for u in figures.by_unit if u.code == figures.unit_code]
    if own and len(figures.by_unit) > 1:  # the unit's own committee apart from the units below
        result["own"] = own[0].model_dump()
    if args.measure == "average_age" or args.rank_by == "average_age":
        result["average_age"] = figures.average_age
    if args.measure == "ranking":
        ranked = sorted(figures.by_unit, key=lambda u: _rank_key(u, args.rank_by))
        result |= {"by_unit": [u.model_dump() for u in ranked[:_RANKED]], "rank_by": args.rank_by}
    return result


def _rank_key(unit: UnitFigure, rank_by: str) -> tuple[float, ...]:
    """Largest first by the chosen figure, then by count (units without an age last)."""
    if rank_by == "average_age":
        return (unit.average_age is None, -(unit.average_age or 0.0), -unit.count)
    return (-unit.share, -unit.count) if rank_by == "share" else (-unit.count, -unit.share)


def _with(filters: MemberFilters, gender: str) -> MemberFilters:
    return filters.model_copy(update={"gender": gender})


async def _register(ctx: ToolContext, args: QueryMembersArgs) -> dict[str, Any]:
    """The register beyond members: organisations, the committee of a term, work committees, a member's history."""
    async with in_scope(ctx) as conn:
        if args.subject == "organisations":
            result = (await organisation_figures(conn, ctx.principal, args.unit_code)).model_dump()
        elif args.subject == "work_committees":
            result = (await work_figures(conn, ctx.principal, args.unit_code)).model_dump()
        elif args.subject == "committee":
            result = (await committee_figures(conn, ctx.principal, args.unit_code, args.filters.term)).model_dump()
        elif args.member_name:
            result = (await member_stories(conn, ctx.principal, args.unit_code, args.member_name)).model_dump()
        else:
            result = {"unit_code": args.unit_code, "name": None, "found": 0, "stories": []}
    if "by_unit" in result:
        result["by_unit"] = result["by_unit"][:_RANKED]
    return {"subject": args.subject, "measure": args.measure} | result
