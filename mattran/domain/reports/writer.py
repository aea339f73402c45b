"""Writing a report: one prose writer call per section of the kind's outline, the document assembled.

The writer is a parameter (:data:`~mattran.domain.reports.brief.SectionWriter`): :func:`template_section` writes
from templates (offline); :func:`model_section_writer` wraps a language model. Both receive the same gathered
figures and write ``{{key}}`` placeholders where a figure goes: values are put in from the data, never typed by the
writer. A model's section that types a number of its own, or names a figure that was not gathered, is replaced by
the template's.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from mattran.domain.reports.brief import OUTLINES, TITLES, SectionBrief, SectionWriter, committee, in_text
from mattran.domain.reports.document import PLACEHOLDER, Block, Document, Section, parse_blocks
from mattran.domain.reports.figures import Gathered
from mattran.domain.reports.request import KIND_LABELS, ReportKind, ReportRequest
from mattran.domain.reports.templates import template_section
from mattran.domain.unit import Level, Unit


def check_section(text: str, brief: SectionBrief) -> bool:
    """Whether a writer's text cites only gathered figures and types no number of its own (dates, the term and
    the quoted texts it was given excepted)."""
    keys = {f.key for f in brief.figures}
    if any(k not in keys for k in PLACEHOLDER.findall(text)):
        return False
    rest = PLACEHOLDER.sub(" ", text)
    if "{" in rest or "}" in rest:  # a placeholder the pattern cannot read
        return False
    quoted = [t for texts in brief.facts.values() for t in texts] + [f.label for f in brief.figures]
    for allowed in [brief.period_label, brief.as_of, brief.term or "", brief.unit_name, brief.recipient or "", *quoted]:
        if allowed:
            rest = rest.replace(allowed, " ")
    rest = re.sub(r"(?m)^\s*#+\s*\d+\.", " ", rest)  # numbered sub-headings
    return not re.search(r"\d", rest)


def model_section_writer(complete: Callable[[str, str], Awaitable[str]]) -> SectionWriter:
    """A writer that asks a language model (``complete(system, prompt) -> text``) for each section's prose; a
    section that fails :func:`check_section` (or an error of the model) falls back to the template."""
    system = (
        "Bạn là chuyên viên tham mưu của Ủy ban Mặt trận Tổ quốc Việt Nam, viết báo cáo hành chính bằng tiếng "
        "Việt, văn phong trang trọng, ngắn gọn. Mỗi số liệu phải viết đúng bằng mã của nó trong hai cặp ngoặc "
        "nhọn, ví dụ {{petitions.received}}; tuyệt đối không tự viết chữ số nào khác, không bịa số liệu, không "
        "nêu thông tin cá nhân. Dòng bắt đầu bằng '- ' là gạch đầu dòng; không viết tiêu đề phần."
    )

    async def write(brief: SectionBrief) -> str:
        figures = "\n".join(f"- {{{{{f.key}}}}}: {f.label} (= {f.text}; {f.query.counted})" for f in brief.figures)
        facts = "\n".join(f"- {k}: " + " | ".join(v) for k, v in brief.facts.items() if v)
        prompt = (
            f"Báo cáo: {KIND_LABELS[brief.kind]} — {brief.unit_name}, kỳ {brief.period_label}, tính đến "
            f"{brief.as_of}.\nViết phần “{brief.title}”.\nSố liệu được dùng:\n{figures}\n"
            f"Nội dung được trích (đã che thông tin cá nhân):\n{facts or '(không có)'}"
        )
        try:
            text = await complete(system, prompt)
        except Exception:  # a model that fails never stops the draft: the template writes it
            text = ""
        return text if text.strip() and check_section(text, brief) else await template_section(brief)

    return write


def _brief(key: str, data: Gathered, recipient: str | None) -> SectionBrief:
    return SectionBrief(
        key=key,
        title=TITLES[key],
        kind=data.kind,
        unit_name=data.unit_name,
        unit_level=data.unit_level,
        period_label=data.period.label,
        as_of=f"ngày {data.as_of:%d/%m/%Y}",
        term=data.term,
        recipient=recipient,
        figures=data.figures,
        facts=data.facts,
    )


async def write_section(key: str, data: Gathered, writer: SectionWriter, recipient: str | None = None) -> Section:
    """One section, written by ``writer`` (the template's text when the writer's fails :func:`check_section`)."""
    brief = _brief(key, data, recipient)
    text = await writer(brief)
    if not check_section(text, brief):
        text = await template_section(brief)
    return Section(key=key, title=TITLES[key], blocks=parse_blocks(text))


def _header(unit: Unit, data: Gathered, request: ReportRequest) -> dict[str, Any]:
    level = unit.level
    issuer = (
        ["ỦY BAN TRUNG ƯƠNG", "MẶT TRẬN TỔ QUỐC VIỆT NAM", "BAN THƯỜNG TRỰC"]
        if level == Level.CENTRAL
        else ["ỦY BAN MTTQ VIỆT NAM", unit.name.upper(), "BAN THƯỜNG TRỰC"]
    )
    # Nghị định 30/2020/NĐ-CP: the place of the issuing body (a province's, a commune's own name; a name that is a
    # number is written in full: “Phường 1”)
    place = "Hà Nội" if level == Level.CENTRAL else unit.name if unit.short_name[:1].isdigit() else unit.short_name
    province = unit.province_name or ""
    above = {
        Level.CENTRAL: [
            "Ban Bí thư Trung ương Đảng (để báo cáo)",
            "Quốc hội, Chính phủ (để báo cáo)",
            "Ủy ban MTTQ Việt Nam các tỉnh, thành phố",
        ],
        Level.PROVINCE: [
            "Ban Thường trực Ủy ban Trung ương MTTQ Việt Nam (để báo cáo)",
            f"Tỉnh ủy, HĐND, UBND {in_text(unit.name)} (để báo cáo)",
            "Ủy ban MTTQ Việt Nam các xã, phường",
        ],
        Level.COMMUNE: [
            f"Ban Thường trực {committee(province, Level.PROVINCE)} (để báo cáo)",
            f"Đảng ủy, HĐND, UBND {in_text(unit.name)} (để báo cáo)",
        ],
    }[level]
    recipients = (
        ([f"{request.recipient[:1].upper()}{request.recipient[1:]} (để tổng hợp)"] if request.recipient else [])
        + above
        + ["Các tổ chức thành viên", "Lưu: VT."]
    )
    summary = {
        ReportKind.PETITIONS: f"Tình hình tiếp nhận, giải quyết phản ánh, kiến nghị {data.period.label}",
        ReportKind.VOTER_OPINIONS: "Tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân"
        + (f" gửi {request.recipient}" if request.recipient else "")
        + (f" ({data.period.label})" if request.period_given else ""),
        ReportKind.CONGRESS: f"Tiến độ tổ chức đại hội MTTQ Việt Nam các cấp, nhiệm kỳ {data.term}",
        ReportKind.MEMBERS: f"Tình hình ủy viên {committee(unit.name, level)}",
    }[data.kind]
    return {
        "issuer": issuer,
        "number": "Số: .../BC-MTTQ-BTT",
        "summary": summary,
        "recipients": recipients,
        "place_date": f"{place}, ngày ... tháng {data.as_of.month} năm {data.as_of.year}",
        "signature": ["TM. BAN THƯỜNG TRỰC", "CHỦ TỊCH"],
    }


def _intro(data: Gathered, request: ReportRequest) -> list[Block]:
    purpose = {
        ReportKind.PETITIONS: "tiếp nhận, theo dõi, giám sát việc giải quyết phản ánh, kiến nghị của Nhân dân",
        ReportKind.VOTER_OPINIONS: "tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân"
        + (f" gửi {request.recipient}" if request.recipient else ""),
        ReportKind.CONGRESS: "theo dõi, hướng dẫn tổ chức đại hội Mặt trận Tổ quốc Việt Nam các cấp",
        ReportKind.MEMBERS: "xây dựng, củng cố tổ chức và đội ngũ ủy viên Ủy ban MTTQ Việt Nam",
    }[data.kind]
    blocks = [
        Block(
            kind="p",
            text=f"Thực hiện chức năng, nhiệm vụ {purpose}, Ban Thường trực "
            f"{committee(data.unit_name, data.unit_level)} báo cáo như sau (số liệu trích từ "
            "nền tảng Mặt trận số, chi tiết tại Phụ lục nguồn số liệu):",
        )
    ]
    return blocks + [Block(kind="p", text=note) for note in data.missing]


async def compose(
    unit: Unit,
    data: Gathered,
    request: ReportRequest,
    writer: SectionWriter = template_section,
    signer: str | None = None,
) -> Document:
    """The whole draft: header per Nghị định 30/2020/NĐ-CP, the kind's sections written by ``writer``, signature
    (with the ``signer``'s name when the committee roster has one)."""
    sections = [await write_section(key, data, writer, request.recipient) for key in OUTLINES[data.kind]]
    return Document(
        kind=data.kind,
        request=request.text,
        recipient=request.recipient,
        intro=_intro(data, request),
        sections=sections,
        data=data,
        signer=signer,
        **_header(unit, data, request),
    )
