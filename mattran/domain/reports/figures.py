"""The figures of a report, gathered through the domain and the store within the cadre's scope.

Each figure carries the query that produced it (what was counted, over which units, over which dates), listed in
the report's appendix so that a cadre can check it. Keys name the figure: ``petitions.status:answered``,
``congress.level_held:2``, ``members.gender:nu``; the prose refers to figures by key, never by value.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field, computed_field

from mattran.auth.principal import Principal
from mattran.domain.congress import congress_progress
from mattran.domain.member_stats import Dimension, member_stats
from mattran.domain.petition_text import CATEGORIES
from mattran.domain.petitions import STATUS_LABELS
from mattran.domain.reports.request import Period, ReportKind
from mattran.domain.time import VIETNAM
from mattran.domain.unit import Unit
from mattran.store import petition_stats
from mattran.store import units as units_store
from mattran.store.db import Conn

CHANNELS = {
    "web": "cổng thông tin điện tử",
    "api": "ứng dụng kết nối (API)",
    "chat": "trợ lý ảo",
    "open311": "ứng dụng ngoài (chuẩn Open311)",
}
MEMBER_DIMENSIONS: tuple[Dimension, ...] = (
    "gender",
    "age",
    "ethnicity",
    "religion",
    "organisation",
    "position",
    "level",
)
_EXCERPT_CHARS = 220
_EXCERPTS = 3  # quoted petitions per theme
_WORD = re.compile(r"[^\W\d_]{2,}")


def count_text(value: int) -> str:
    """``1234`` → ``1.234``."""
    return f"{value:,}".replace(",", ".")


def share_text(value: float) -> str:
    """``0.125`` → ``12,5%``; ``0.5`` → ``50%``."""
    text = f"{value * 100:.1f}".replace(".", ",")
    return text.removesuffix(",0") + "%"


class FigureQuery(BaseModel):
    """How a figure was obtained, in words a cadre can check."""

    counted: str = Field(description="Đếm gì (hoặc tính thế nào).")
    units: str = Field(description="Trên những đơn vị nào.")
    dates: str = Field(description="Trong khoảng thời gian nào, tính đến lúc nào.")


class Figure(BaseModel):
    """One number of a report, and its query."""

    key: str
    label: str
    value: int | float
    share: bool = False
    query: FigureQuery

    @computed_field  # type: ignore[prop-decorator]
    @property
    def text(self) -> str:
        """The value as written in the report (``1.234``, ``12,5%``)."""
        return share_text(float(self.value)) if self.share else count_text(int(self.value))


class Gathered(BaseModel):
    """Everything a report is written from: the figures, the texts quoted (no numbers of ours), the gaps."""

    kind: ReportKind
    unit_code: str
    unit_name: str
    unit_level: int
    period: Period
    as_of: datetime
    term: str | None = None
    figures: list[Figure]
    facts: dict[str, list[str]] = Field(
        default_factory=dict, description="Tên đơn vị, trích nội dung phản ánh (đã che thông tin cá nhân)."
    )
    missing: list[str] = Field(default_factory=list, description="Những gì nền tảng chưa có số liệu.")

    def by_key(self) -> dict[str, Figure]:
        """The figures by key."""
        return {f.key: f for f in self.figures}


class _Collector:
    """Figures of one report, with the unit and date wording of their queries."""

    def __init__(self, units: str, dates: str) -> None:
        self.units, self.dates, self.figures = units, dates, list[Figure]()

    def add(
        self, key: str, label: str, value: int | float, counted: str, *, share: bool = False, units: str | None = None
    ) -> None:
        self.figures.append(
            Figure(
                key=key,
                label=label,
                value=value,
                share=share,
                query=FigureQuery(counted=counted, units=units or self.units, dates=self.dates),
            )
        )

    def share(self, key: str, label: str, part: int, whole: int, counted: str, units: str | None = None) -> None:
        """A share (only when the whole is not zero: nothing is divided by zero or made up)."""
        if whole:
            self.add(key, label, part / whole, counted, share=True, units=units)


def _subtree(unit: Unit) -> str:
    below = " và các đơn vị trực thuộc" if not unit.is_commune else ""
    return f"{unit.name} (mã {unit.code}){below}"


def window(period: Period) -> tuple[datetime, datetime]:
    """The period as ``[start, end)`` instants in Viet Nam's time."""
    return (
        datetime.combine(period.start, time(), VIETNAM),
        datetime.combine(period.end + timedelta(days=1), time(), VIETNAM),
    )


def _worded(text: str) -> bool:
    """Whether a text says something in words (not emoji, symbols or numbers only): worth quoting."""
    return len(_WORD.findall(text)) >= 3


def _excerpt(row: dict[str, Any]) -> str:
    """A petition's reviewed public title and the start of its reviewed public text (approved by a cadre)."""
    text = " ".join(row["content_public"].split())
    if len(text) > _EXCERPT_CHARS:
        text = text[:_EXCERPT_CHARS].rsplit(" ", 1)[0] + " …"
    return f"{row['title_public'].rstrip('.')}: {text}"


async def _petitions(conn: Conn, unit: Unit, period: Period, as_of: datetime, c: _Collector) -> dict[str, list[str]]:
    start, end = window(period)
    t = await petition_stats.totals(conn, unit.code, start, end, as_of)
    what = "Phản ánh, kiến nghị tiếp nhận trong kỳ"
    c.add(
        "petitions.received", "Tổng số phản ánh, kiến nghị tiếp nhận", t["received_total"], f"{what} (mọi trạng thái)"
    )
    for row in await petition_stats.groups(conn, unit.code, start, end, "channel"):
        c.add(
            f"petitions.channel:{row['key']}",
            f"Tiếp nhận qua {CHANNELS[row['key']]}",
            row["n"],
            f"{what}, kênh tiếp nhận “{row['key']}”",
        )
    for row in await petition_stats.groups(conn, unit.code, start, end, "category"):
        c.add(
            f"petitions.category:{row['key']}",
            f"Lĩnh vực {CATEGORIES[row['key']].lower()}",
            row["n"],
            f"{what}, lĩnh vực “{CATEGORIES[row['key']]}”",
        )
    facts: dict[str, list[str]] = {}
    if not unit.is_commune:
        rows = await petition_stats.groups(conn, unit.code, start, end, "unit")
        names = await units_store.units_by_code(conn, [r["key"] for r in rows])
        for row in rows[:10]:
            sub = names[row["key"]]
            own = row["key"] == unit.code
            c.add(
                f"petitions.unit:{row['key']}",
                f"{sub.name}{' (trực tiếp)' if own else ''}",
                row["n"],
                what + (" do chính cấp này thụ lý" if own else ""),
                units=f"{sub.name} (mã {sub.code})" if own else _subtree(sub),
            )
        facts["units"] = [names[r["key"]].name for r in rows[:10]]
    for status, label in STATUS_LABELS.items():
        c.add(f"petitions.status:{status}", label, t[f"status_{status}"], f"{what}, trạng thái hiện tại “{label}”")
    resolved = t["status_answered"] + t["status_published"]
    c.add(
        "petitions.resolved",
        "Đã trả lời (kể cả đã công khai)",
        resolved,
        f"{what}, trạng thái hiện tại “Đã trả lời” hoặc “Đã công khai trả lời”",
    )
    c.share(
        "petitions.resolved_share",
        "Tỷ lệ đã trả lời",
        resolved,
        t["received_total"],
        "Số đã trả lời chia cho tổng số tiếp nhận trong kỳ",
    )
    c.add(
        "petitions.open",
        "Đang trong quá trình xử lý",
        t["status_received"] + t["status_accepted"] + t["status_in_progress"],
        f"{what}, trạng thái hiện tại “Đã tiếp nhận”, “Đã thụ lý” hoặc “Đang xử lý”",
    )
    c.add(
        "petitions.forwarded",
        "Đã chuyển cơ quan có thẩm quyền",
        t["forwarded"],
        f"{what} đã được chuyển đến cơ quan nhà nước có thẩm quyền",
    )
    c.add(
        "petitions.reply_received",
        "Đã nhận văn bản trả lời của cơ quan",
        t["reply_received"],
        f"{what} đã nhận được văn bản trả lời của cơ quan được chuyển",
    )
    c.add(
        "petitions.answered_on_time",
        "Trả lời đúng hạn",
        t["answered_on_time"],
        f"{what} đã trả lời, thời điểm trả lời không muộn hơn hạn trả lời",
    )
    c.add("petitions.answered_late", "Trả lời quá hạn", t["answered_late"], f"{what} đã trả lời sau hạn trả lời")
    c.add(
        "petitions.overdue",
        "Quá hạn chưa trả lời",
        t["overdue"],
        f"{what} chưa trả lời (đã tiếp nhận, đã thụ lý, đang xử lý) mà đã qua hạn trả lời",
    )
    c.add(
        "petitions.escalated",
        "Chuyển lên cấp trên do quá hạn",
        t["escalated"],
        f"{what} đã được chuyển lên cấp trên ít nhất một lần do quá hạn",
    )
    return facts


async def _opinions(conn: Conn, unit: Unit, period: Period, as_of: datetime, c: _Collector) -> dict[str, list[str]]:
    start, end = window(period)
    rows = await petition_stats.groups(conn, unit.code, start, end, "category", distinct_only=True)
    what = "Ý kiến, kiến nghị tiếp nhận trong kỳ (không tính các ý kiến trùng nội dung đã gộp)"
    total = sum(r["n"] for r in rows)
    c.add("opinions.total", "Tổng số ý kiến, kiến nghị", total, what)
    every = (await petition_stats.totals(conn, unit.code, start, end, as_of))["received_total"]
    c.add(
        "opinions.duplicates",
        "Ý kiến trùng nội dung đã gộp",
        every - total,
        "Ý kiến, kiến nghị tiếp nhận trong kỳ đã được gộp vào một ý kiến cùng nội dung",
    )
    c.add(
        "opinions.themes",
        "Số lĩnh vực có ý kiến",
        len(rows),
        f"Số lĩnh vực khác nhau trong các {what[0].lower()}{what[1:]}",
    )
    facts: dict[str, list[str]] = {}
    for row in rows:
        label = CATEGORIES[row["key"]]
        c.add(f"opinions.category:{row['key']}", f"Lĩnh vực {label.lower()}", row["n"], f"{what}, lĩnh vực “{label}”")
        c.add(
            f"opinions.resolved:{row['key']}",
            f"Lĩnh vực {label.lower()}: đã được trả lời",
            row["resolved"],
            f"{what}, lĩnh vực “{label}”, trạng thái “Đã trả lời” hoặc “Đã công khai trả lời”",
        )
        published = await petition_stats.excerpts(conn, unit.code, start, end, row["key"])
        facts[f"excerpts:{row['key']}"] = [_excerpt(r) for r in published if _worded(r["content_public"])][:_EXCERPTS]
    return facts


async def _congress(
    conn: Conn, principal: Principal, unit: Unit, as_of: datetime, c: _Collector
) -> tuple[str, dict[str, list[str]]]:
    progress = await congress_progress(conn, principal, unit.code, today=as_of.date())
    c.dates = f"Nhiệm kỳ {progress.term}; tình hình tại ngày {as_of:%d/%m/%Y}"
    s = progress.summary
    what = "Đơn vị (Ủy ban MTTQ)"
    c.add("congress.units", "Số đơn vị phải tổ chức đại hội", s.total, f"{what} thuộc phạm vi báo cáo")
    c.add(
        "congress.held", "Đã tổ chức đại hội", s.held, f"{what} có đại hội ở trạng thái “Đã tổ chức” hoặc “Hoàn thành”"
    )
    c.share("congress.held_share", "Tỷ lệ đã tổ chức", s.held, s.total, "Số đã tổ chức chia cho số đơn vị")
    c.add("congress.preparing", "Đang chuẩn bị", s.preparing, f"{what} có đại hội ở trạng thái “Đang chuẩn bị”")
    c.add(
        "congress.not_started",
        "Chưa triển khai",
        s.not_started,
        f"{what} có đại hội “Chưa triển khai” hoặc chưa có thông tin",
    )
    c.add(
        "congress.overdue",
        "Quá ngày dự kiến mà chưa tổ chức",
        s.overdue,
        f"{what} chưa tổ chức đại hội mà ngày dự kiến đã qua",
    )
    c.add(
        "congress.held_late", "Tổ chức muộn so với kế hoạch", s.held_late, f"{what} đã tổ chức đại hội sau ngày dự kiến"
    )
    if len(progress.by_level) > 1:
        for g in progress.by_level:
            units = f"{unit.name}: các đơn vị {g.label.lower()}"
            c.add(
                f"congress.level_units:{g.key}",
                f"{g.label}: số đơn vị",
                g.total,
                f"{what} {g.label.lower()}",
                units=units,
            )
            c.add(
                f"congress.level_held:{g.key}",
                f"{g.label}: đã tổ chức",
                g.held,
                f"{what} {g.label.lower()} đã tổ chức đại hội",
                units=units,
            )
            c.share(
                f"congress.level_share:{g.key}",
                f"{g.label}: tỷ lệ đã tổ chức",
                g.held,
                g.total,
                "Số đã tổ chức chia cho số đơn vị cùng cấp",
                units=units,
            )
    facts: dict[str, list[str]] = {}
    slowest = sorted(progress.by_province, key=lambda g: (g.share, g.label))[:5]
    for g in slowest:
        units = f"{g.label} (mã {g.key}) và các xã, phường trực thuộc"
        c.add(f"congress.province_units:{g.key}", f"{g.label}: số đơn vị", g.total, what, units=units)
        c.add(
            f"congress.province_held:{g.key}",
            f"{g.label}: đã tổ chức",
            g.held,
            f"{what} đã tổ chức đại hội",
            units=units,
        )
        c.share(
            f"congress.province_share:{g.key}",
            f"{g.label}: tỷ lệ đã tổ chức",
            g.held,
            g.total,
            "Số đã tổ chức chia cho số đơn vị",
            units=units,
        )
    if slowest:
        facts["slowest_provinces"] = [g.key for g in slowest]
    below = [u for u in progress.units if u.code != unit.code]  # the unit reports on those below, not on itself
    if below:
        c.add(
            "congress.overdue_below",
            "Đơn vị trực thuộc quá ngày dự kiến mà chưa tổ chức",
            sum(u.overdue for u in below),
            f"{what} trực thuộc (không tính chính đơn vị báo cáo) chưa tổ chức đại hội mà ngày dự kiến đã qua",
        )
    facts["overdue_units"] = [u.name for u in below if u.overdue][:30]
    facts["own_overdue"] = [u.name for u in progress.units if u.code == unit.code and u.overdue]
    return progress.term, facts


async def _members(conn: Conn, principal: Principal, unit: Unit, c: _Collector) -> None:
    what = "Ủy viên Ủy ban MTTQ đang được quản lý trên nền tảng"
    for by in MEMBER_DIMENSIONS:
        if by == "level" and unit.is_commune:
            continue
        stats = await member_stats(conn, principal, unit.code, by)
        if by == "gender":
            c.add("members.total", "Tổng số ủy viên", stats.total, what)
        for b in stats.buckets:
            c.add(
                f"members.{by}:{b.key if b.key is not None else 'none'}",
                f"{stats.by_label}: {b.label}",
                b.count,
                f"{what}, {stats.by_label.lower()} “{b.label}”",
            )
            if by == "gender" and b.key == "nu":
                c.share("members.female_share", "Tỷ lệ nữ", b.count, stats.total, "Số ủy viên nữ chia cho tổng số")
        if by == "ethnicity":
            minority = sum(b.count for b in stats.buckets if b.key not in (None, "Kinh"))
            c.add(
                "members.minority",
                "Người dân tộc thiểu số",
                minority,
                f"{what}, dân tộc đã ghi và không phải dân tộc Kinh",
            )
            c.share(
                "members.minority_share",
                "Tỷ lệ người dân tộc thiểu số",
                minority,
                stats.total,
                "Số ủy viên người dân tộc thiểu số chia cho tổng số",
            )


async def gather(
    conn: Conn, principal: Principal, kind: ReportKind, unit: Unit, period: Period, as_of: datetime
) -> Gathered:
    """The figures of a report on ``unit`` (already checked to be in the principal's scope) for ``period``."""
    stamp = f"tính đến {as_of:%H:%M} ngày {as_of:%d/%m/%Y}"
    dates = {
        ReportKind.PETITIONS: f"Ngày tiếp nhận từ {period.start:%d/%m/%Y} đến {period.end:%d/%m/%Y}; "
        f"trạng thái {stamp}",
        ReportKind.VOTER_OPINIONS: f"Ngày tiếp nhận từ {period.start:%d/%m/%Y} đến {period.end:%d/%m/%Y}; "
        f"trạng thái {stamp}",
        ReportKind.MEMBERS: f"Danh sách ủy viên {stamp}",
    }.get(kind, stamp)
    c = _Collector(_subtree(unit), dates)
    facts: dict[str, list[str]] = {}
    term: str | None = None
    missing: list[str] = []
    if kind == ReportKind.PETITIONS:
        facts = await _petitions(conn, unit, period, as_of, c)
    elif kind == ReportKind.VOTER_OPINIONS:
        facts = await _opinions(conn, unit, period, as_of, c)
    elif kind == ReportKind.CONGRESS:
        term, facts = await _congress(conn, principal, unit, as_of, c)
    else:
        await _members(conn, principal, unit, c)
        missing.append(
            "Nền tảng chưa quản lý số đoàn viên, hội viên của các tổ chức thành viên; báo cáo chỉ nêu "
            "số liệu về ủy viên Ủy ban MTTQ các cấp được cập nhật trên nền tảng."
        )
    return Gathered(
        kind=kind,
        unit_code=unit.code,
        unit_name=unit.name,
        unit_level=unit.level,
        period=period,
        as_of=as_of,
        term=term,
        figures=c.figures,
        facts=facts,
        missing=missing,
    )
