"""The offline prose writer: one template per section, over the gathered figures.

Templates write ``{{key}}`` where a figure goes and leave out what is zero when saying it adds nothing; they never
type a number themselves.
"""

from __future__ import annotations

from collections.abc import Callable

from mattran.domain.petition_status import PetitionStatus
from mattran.domain.reports.brief import SectionBrief, in_text
from mattran.domain.reports.request import ReportKind
from mattran.domain.unit import Level


def _p(key: str) -> str:
    return "{{" + key + "}}"


def _items(brief: SectionBrief, prefix: str, unit_word: str = "") -> list[str]:
    return [f"- {f.label.split(': ', 1)[-1]}: {_p(f.key)}{unit_word};" for f in brief.starting(prefix) if f.value]


def _petitions_received(b: SectionBrief) -> list[str]:
    if not b.value("petitions.received"):
        return [
            f"Trong kỳ báo cáo ({b.period_label}), nền tảng không ghi nhận phản ánh, kiến nghị nào gửi đến "
            f"{b.committee}{' và các đơn vị trực thuộc' if b.unit_level != Level.COMMUNE else ''}."
        ]
    lines = [
        f"Trong kỳ báo cáo ({b.period_label}), {b.committee}"
        f"{' và các đơn vị trực thuộc' if b.unit_level != Level.COMMUNE else ''} "
        f"đã tiếp nhận {_p('petitions.received')} phản ánh, kiến nghị của Nhân dân.",
        "Theo kênh tiếp nhận:",
    ]
    lines += [f"- qua {f.label.removeprefix('Tiếp nhận qua ')}: {_p(f.key)};" for f in b.starting("petitions.channel:")]
    lines += [
        "Theo lĩnh vực:",
        *(
            f"- {f.label.removeprefix('Lĩnh vực ').capitalize()}: {_p(f.key)};"
            for f in b.starting("petitions.category:")
        ),
    ]
    if b.starting("petitions.unit:"):
        lines += ["Các đơn vị tiếp nhận nhiều nhất:", *_items(b, "petitions.unit:")]
    return lines


def _petitions_results(b: SectionBrief) -> list[str]:
    if not b.value("petitions.received"):
        return ["Không có phản ánh, kiến nghị nào phải xử lý trong kỳ."]
    lines = [f"Tính đến {b.as_of}, trong số phản ánh, kiến nghị tiếp nhận trong kỳ:"]
    resolved = f"- đã trả lời {_p('petitions.resolved')} (đạt {_p('petitions.resolved_share')})"
    lines.append(
        resolved
        + (
            f", trong đó đã công khai trả lời {_p('petitions.status:published')};"
            if b.value("petitions.status:published")
            else ";"
        )
    )
    if b.value("petitions.open"):
        parts = [
            f"{label} {_p('petitions.status:' + s)}"
            for s, label in (
                (PetitionStatus.RECEIVED, "chờ thụ lý"),
                (PetitionStatus.ACCEPTED, "đã thụ lý"),
                (PetitionStatus.IN_PROGRESS, "đang giải quyết"),
            )
            if b.value("petitions.status:" + s)
        ]
        lines.append(f"- đang trong quá trình xử lý {_p('petitions.open')} ({', '.join(parts)});")
    for status, words in (
        (PetitionStatus.DECLINED, "không thụ lý (có nêu rõ lý do)"),
        (PetitionStatus.MERGED, "gộp do trùng nội dung"),
    ):
        if b.value("petitions.status:" + status):
            lines.append(f"- {words}: {_p('petitions.status:' + status)};")
    if b.value("petitions.forwarded"):
        replies = (
            f"đã nhận {_p('petitions.reply_received')} văn bản trả lời"
            if b.value("petitions.reply_received")
            else "chưa nhận được văn bản trả lời nào"
        )
        lines.append(
            f"Đã chuyển {_p('petitions.forwarded')} phản ánh, kiến nghị đến cơ quan nhà nước có thẩm quyền "
            f"giải quyết; {replies}."
        )
    timing = [f"trả lời đúng hạn {_p('petitions.answered_on_time')}"]
    if b.value("petitions.answered_late"):
        timing.append(f"trả lời quá hạn {_p('petitions.answered_late')}")
    timing.append(
        f"còn {_p('petitions.overdue')} phản ánh, kiến nghị quá hạn chưa trả lời"
        if b.value("petitions.overdue")
        else "không còn phản ánh, kiến nghị quá hạn chưa trả lời"
    )
    lines.append("Về thời hạn giải quyết: " + "; ".join(timing) + ".")
    if b.value("petitions.escalated"):
        lines.append(f"Có {_p('petitions.escalated')} phản ánh, kiến nghị đã được chuyển lên cấp trên do quá hạn.")
    return lines


def _assessment(b: SectionBrief) -> list[str]:
    """What the figures show, stated plainly (no praise the data cannot support)."""
    if b.kind == ReportKind.PETITIONS and b.value("petitions.received"):
        return [
            f"Trong kỳ, {_p('petitions.received')} phản ánh, kiến nghị được tiếp nhận và theo dõi trên nền tảng số; "
            f"tỷ lệ đã trả lời là {_p('petitions.resolved_share')}."
        ]
    if b.kind == ReportKind.CONGRESS:
        return [
            f"Đến nay, {_p('congress.held_share')} số đơn vị đã tổ chức đại hội theo kế hoạch."
            if b.has("congress.held_share")
            else "Chưa có số liệu để đánh giá tiến độ đại hội."
        ]
    return ["Số liệu chi tiết nêu tại các phần trên và Phụ lục nguồn số liệu."]


def _limitations(b: SectionBrief) -> list[str]:
    """Tồn tại, hạn chế: what the figures show is late, missing or unanswered; said to be none when none shows."""
    lines: list[str] = []
    if b.kind in (ReportKind.PETITIONS, ReportKind.VOTER_OPINIONS):
        if b.value("petitions.overdue"):
            lines.append(f"- Còn {_p('petitions.overdue')} phản ánh, kiến nghị quá hạn chưa được trả lời;")
        if b.value("petitions.answered_late"):
            lines.append(f"- {_p('petitions.answered_late')} phản ánh, kiến nghị được trả lời sau thời hạn;")
        if b.value("petitions.forwarded") and not b.value("petitions.reply_received"):
            lines.append("- Chưa nhận được văn bản trả lời của cơ quan có thẩm quyền đối với các phản ánh đã chuyển;")
        if b.value("petitions.escalated"):
            lines.append(f"- {_p('petitions.escalated')} phản ánh, kiến nghị phải chuyển lên cấp trên do quá hạn;")
        if b.kind == ReportKind.VOTER_OPINIONS and b.value("opinions.total"):
            lines += [
                f"- {f.label}: chưa có ý kiến nào được trả lời;"
                for f in b.starting("opinions.category:")
                if not b.value("opinions.resolved:" + f.key.split(":", 1)[1])
            ]
    elif b.kind == ReportKind.CONGRESS:
        if b.value("congress.not_started"):
            lines.append(f"- {_p('congress.not_started')} đơn vị chưa triển khai tổ chức đại hội;")
        if b.value("congress.overdue"):
            lines.append(f"- {_p('congress.overdue')} đơn vị đã quá ngày dự kiến mà chưa tổ chức đại hội;")
        if b.value("congress.held_late"):
            lines.append(f"- {_p('congress.held_late')} đơn vị tổ chức đại hội muộn hơn ngày dự kiến;")
    elif b.kind == ReportKind.MEMBERS:
        if not b.value("members.total"):
            lines.append("- Dữ liệu ủy viên chưa được cập nhật trên nền tảng;")
        elif not b.value("members.gender:nu"):
            lines.append("- Chưa có ủy viên là nữ được cập nhật trên nền tảng;")
    if not lines:
        return ["Qua số liệu theo dõi trên nền tảng, trong kỳ chưa ghi nhận tồn tại, hạn chế cần nêu."]
    return ["Qua số liệu theo dõi trên nền tảng, còn một số tồn tại, hạn chế sau:", *lines]


def _outlook(b: SectionBrief) -> list[str]:
    common = [
        "- Tiếp tục đổi mới phương thức tiếp nhận, tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân, "
        "khai thác hiệu quả nền tảng số;"
    ]
    if b.kind == ReportKind.CONGRESS:
        return [
            "- Tập trung hướng dẫn, đôn đốc các đơn vị chưa tổ chức đại hội hoàn thành theo kế hoạch;",
            "- Kịp thời cập nhật kết quả đại hội lên nền tảng để tổng hợp, báo cáo cấp trên;",
            "- Chuẩn bị tốt các điều kiện tổ chức đại hội cấp trên.",
        ]
    if b.kind == ReportKind.MEMBERS:
        return [
            "- Rà soát, cập nhật đầy đủ thông tin ủy viên Ủy ban MTTQ các cấp trên nền tảng;",
            "- Quan tâm cơ cấu hợp lý ủy viên là nữ, người dân tộc thiểu số, người tiêu biểu trong các tầng lớp "
            "Nhân dân.",
            *common,
        ]
    return [
        *common,
        "- Phối hợp chặt chẽ với cơ quan có thẩm quyền, theo dõi, đôn đốc việc giải quyết và trả lời đúng thời hạn;",
        "- Tăng cường giám sát việc giải quyết phản ánh, kiến nghị; công khai kết quả trả lời để Nhân dân được biết.",
    ]


def _proposals(b: SectionBrief) -> list[str]:
    lines = (
        [f"Ban Thường trực {b.committee} kính chuyển tới {b.recipient} các ý kiến, kiến nghị nêu trên."]
        if b.recipient
        else []
    )
    lines.append(
        "Đề nghị các cơ quan nhà nước có thẩm quyền quan tâm chỉ đạo, xem xét giải quyết dứt điểm các ý kiến, "
        "kiến nghị của cử tri và Nhân dân; trả lời bằng văn bản và công khai kết quả giải quyết."
    )
    if b.value("petitions.overdue"):
        lines.append(
            f"Đề nghị các cơ quan liên quan khẩn trương trả lời {_p('petitions.overdue')} phản ánh, kiến "
            "nghị đã quá hạn."
        )
    if b.value("congress.not_started") or b.value("congress.preparing"):
        lines.append(
            "Đề nghị cấp ủy, chính quyền các đơn vị chưa tổ chức đại hội quan tâm lãnh đạo, bảo đảm điều "
            "kiện để đại hội diễn ra đúng kế hoạch."
        )
    return lines


def _opinions_overview(b: SectionBrief) -> list[str]:
    if not b.value("opinions.total"):
        return [
            f"Trong kỳ ({b.period_label}), nền tảng không ghi nhận ý kiến, kiến nghị nào của cử tri và Nhân dân "
            f"gửi đến {b.committee}."
        ]
    duplicates = (
        f" (không tính {_p('opinions.duplicates')} ý kiến trùng nội dung đã được gộp)"
        if b.value("opinions.duplicates")
        else ""
    )
    return [
        f"Trong kỳ ({b.period_label}), Ban Thường trực {b.committee} đã tiếp nhận, tổng "
        f"hợp {_p('opinions.total')} ý kiến, kiến nghị của cử tri và Nhân dân{duplicates}, thuộc "
        f"{_p('opinions.themes')} lĩnh vực. Nội dung trích dẫn là bản công khai đã được cán bộ duyệt, "
        "đã che thông tin cá nhân."
    ]


def _opinions_by_theme(b: SectionBrief) -> list[str]:
    lines: list[str] = []
    for i, f in enumerate(b.starting("opinions.category:"), 1):
        category = f.key.split(":", 1)[1]
        lines.append(f"### {i}. {f.label} ({_p(f.key)} ý kiến)")
        lines.append("Cử tri và Nhân dân phản ánh, kiến nghị:")
        lines += [f"- “{text}”" for text in b.facts.get(f"excerpts:{category}", [])]
        lines.append(
            f"Đến nay đã có {_p('opinions.resolved:' + category)} ý kiến thuộc lĩnh vực này được trả lời."
            if b.value("opinions.resolved:" + category)
            else "Đến nay chưa có ý kiến nào thuộc lĩnh vực này được trả lời."
        )
    return lines or ["Không có ý kiến, kiến nghị trong kỳ."]


def _congress_overall(b: SectionBrief) -> list[str]:
    lines = [
        f"Theo số liệu cập nhật trên nền tảng đến {b.as_of}, trong tổng số {_p('congress.units')} đơn vị thuộc "
        f"phạm vi {in_text(b.unit_name)} phải tổ chức đại hội nhiệm kỳ {b.term}, đã có {_p('congress.held')} "
        f"đơn vị tổ chức đại hội (đạt {_p('congress.held_share')}); {_p('congress.preparing')} đơn vị đang "
        f"chuẩn bị; {_p('congress.not_started')} đơn vị chưa triển khai."
    ]
    if b.value("congress.held_late"):
        lines.append(f"Có {_p('congress.held_late')} đơn vị tổ chức đại hội muộn hơn ngày dự kiến.")
    return lines


def _congress_levels(b: SectionBrief) -> list[str]:
    lines = [
        f"- {f.label.split(':')[0]}: đã tổ chức {_p(f.key)}/{_p(f.key.replace('level_held', 'level_units'))} "
        f"đơn vị (đạt {_p(f.key.replace('level_held', 'level_share'))});"
        for f in b.starting("congress.level_held:")
        if b.has(f.key.replace("level_held", "level_share"))
    ]
    slow = b.starting("congress.province_held:")
    if slow:
        lines.append("Các tỉnh, thành phố có tỷ lệ tổ chức đại hội thấp nhất:")
        lines += [
            f"- {f.label.split(':')[0]}: {_p(f.key)}/{_p(f.key.replace('held', 'units'))} đơn vị"
            + (f" (đạt {_p(f.key.replace('held', 'share'))});" if b.has(f.key.replace("held", "share")) else ";")
            for f in slow
        ]
    return lines or [f"{b.unit_name} là đơn vị cấp xã: số liệu nêu tại phần trên."]


def _congress_late(b: SectionBrief) -> list[str]:
    if not b.value("congress.overdue"):
        return ["Không có đơn vị nào quá ngày dự kiến mà chưa tổ chức đại hội."]
    lines = (
        [f"Đại hội của {b.committee} đã quá ngày dự kiến mà chưa được tổ chức."] if b.facts.get("own_overdue") else []
    )
    if not b.has("congress.overdue_below"):  # the whole country (by province above) or a commune (itself only)
        return lines or [
            f"Có {_p('congress.overdue')} đơn vị đã quá ngày dự kiến mà chưa tổ chức đại hội; danh sách chi tiết "
            "theo dõi trên trang Tiến độ đại hội của nền tảng."
        ]
    if not b.value("congress.overdue_below"):
        return [*lines, "Không có đơn vị trực thuộc nào quá ngày dự kiến mà chưa tổ chức đại hội."]
    names = b.facts.get("overdue_units") or []
    text = f"Có {_p('congress.overdue_below')} đơn vị trực thuộc đã quá ngày dự kiến mà chưa tổ chức đại hội"
    every = len(names) == b.value("congress.overdue_below")
    return [*lines, text + (", gồm: " if every else ", trong đó có: ") + ", ".join(names) + "."]


def _members_count(b: SectionBrief) -> list[str]:
    if not b.value("members.total"):
        return [f"Nền tảng chưa có dữ liệu ủy viên {b.committee}."]
    extra = (
        [f"nữ {_p('members.gender:nu')} người (chiếm {_p('members.female_share')})"]
        if b.value("members.gender:nu")
        else []
    )
    extra += (
        [f"người dân tộc thiểu số {_p('members.minority')} người (chiếm {_p('members.minority_share')})"]
        if b.value("members.minority")
        else []
    )
    lines = [
        f"Tổng số ủy viên {b.committee}"
        f"{' (kể cả các đơn vị trực thuộc)' if b.unit_level != Level.COMMUNE else ''}"
        " được cập nhật trên nền tảng là "
        f"{_p('members.total')} người" + ("; trong đó " + ", ".join(extra) if extra else "") + "."
    ]
    lines += ["Theo độ tuổi:", *_items(b, "members.age:", " người")]
    lines += ["Theo tôn giáo:", *_items(b, "members.religion:", " người")]
    return lines


def _members_organisations(b: SectionBrief) -> list[str]:
    if not b.value("members.total"):
        return ["Chưa có số liệu."]
    return [
        "Theo tổ chức thành viên:",
        *_items(b, "members.organisation:", " người"),
        "Theo chức vụ trong Ủy ban:",
        *_items(b, "members.position:", " người"),
    ]


def _members_levels(b: SectionBrief) -> list[str]:
    return _items(b, "members.level:", " người") or [f"{b.unit_name} là đơn vị cấp xã: số liệu nêu tại phần trên."]


_TEMPLATES: dict[tuple[ReportKind | None, str], Callable[[SectionBrief], list[str]]] = {
    (ReportKind.PETITIONS, "tiep_nhan"): _petitions_received,
    (ReportKind.PETITIONS, "ket_qua"): _petitions_results,
    (ReportKind.VOTER_OPINIONS, "khai_quat"): _opinions_overview,
    (ReportKind.VOTER_OPINIONS, "y_kien"): _opinions_by_theme,
    (ReportKind.CONGRESS, "tinh_hinh"): _congress_overall,
    (ReportKind.CONGRESS, "theo_cap"): _congress_levels,
    (ReportKind.CONGRESS, "ton_tai"): _congress_late,
    (ReportKind.MEMBERS, "so_luong"): _members_count,
    (ReportKind.MEMBERS, "to_chuc"): _members_organisations,
    (ReportKind.MEMBERS, "theo_cap"): _members_levels,
    (None, "danh_gia"): _assessment,
    (None, "han_che"): _limitations,
    (None, "phuong_huong"): _outlook,
    (None, "kien_nghi"): _proposals,
}


async def template_section(brief: SectionBrief) -> str:
    """The section written from templates over the gathered figures (offline)."""
    write = _TEMPLATES.get((brief.kind, brief.key)) or _TEMPLATES[(None, brief.key)]
    return "\n".join(write(brief))
