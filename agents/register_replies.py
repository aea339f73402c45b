"""Answers about the register beyond member counts, built from ``query_members``'s result: member organisations,
a committee for a term, residential-area work committees, a member's history."""

from __future__ import annotations

from datetime import date
from typing import Any


def _n(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def register_answer(result: dict[str, Any]) -> str:
    """The answer for the result's ``subject``."""
    subject = result["subject"]
    if subject == "organisations":
        return _organisations(result)
    if subject == "work_committees":
        return _work_committees(result)
    if subject == "committee":
        return _committee(result)
    return _history(result)


def _ranked(result: dict[str, Any], line: str) -> str:
    """The units directly below, when a ranking was asked and there are units below."""
    rows = [u for u in result.get("by_unit", []) if u["code"] != result["unit_code"]]
    if result.get("measure") != "ranking" or not rows:
        return ""
    return "\nTheo đơn vị trực thuộc:\n" + "\n".join(f"{k}. {line.format(**u)}" for k, u in enumerate(rows, 1))


def _organisations(result: dict[str, Any]) -> str:
    unit = result["unit_name"]
    if not result["count"] and not result["subtree_count"]:
        return f"{unit} chưa có tổ chức thành viên nào được ghi nhận."
    text = f"{unit} có **{_n(result['count'])}** tổ chức thành viên"
    if kinds := result["by_kind"]:
        text += " (" + "; ".join(f"{k['label'].lower()}: {_n(k['count'])}" for k in kinds) + ")"
    text += "."
    if result["subtree_count"] != result["count"]:
        text += f" Tính cả các đơn vị trực thuộc: **{_n(result['subtree_count'])}** tổ chức."
    if organisations := result["organisations"]:
        shown = organisations[:12]
        text += "\nSố ủy viên đang sinh hoạt theo tổ chức:\n" + "\n".join(
            f"- {o['name']} ({o['kind_label'].lower()}): {_n(o['members'])}"
            + (f" (cả cấp dưới: {_n(o['rolled_up'])})" if o["rolled_up"] != o["members"] else "")
            for o in shown
        )
        if len(organisations) > len(shown):
            text += f"\n… và {_n(len(organisations) - len(shown))} tổ chức khác."
    return text + _ranked(result, "{name}: {count} tổ chức, {members} ủy viên")


def _work_committees(result: dict[str, Any]) -> str:
    unit = result["unit_name"]
    if not result["count"]:
        return f"{unit} chưa ghi nhận ban công tác Mặt trận ở khu dân cư nào."
    text = (
        f"{unit} có **{_n(result['count'])}** ban công tác Mặt trận ở khu dân cư; "
        f"**{_n(result['without_head'])}** ban chưa có trưởng ban; phụ trách **{_n(result['households'])}** hộ"
    )
    if result["with_households"] < result["count"]:
        text += f" (số hộ ghi ở {_n(result['with_households'])}/{_n(result['count'])} ban)"
    text += f"; gồm {_n(result['people'])} người (trưởng ban và thành viên)."
    if areas := result["areas_without_head"]:
        more = result["without_head"] - len(areas)
        text += "\nKhu dân cư chưa có trưởng ban:\n" + "\n".join(f"- {a['area']} ({a['unit_name']})" for a in areas)
        text += f"\n… và {_n(more)} khu dân cư khác." if more > 0 else ""
    return text + _ranked(result, "{name}: {without_head}/{count} ban chưa có trưởng ban, {households} hộ")


def _committee(result: dict[str, Any]) -> str:
    unit, term = result["unit_name"], result["term"]
    if not result["size"]:
        return f"Chưa ghi nhận ủy viên Ủy ban MTTQ {unit} nhiệm kỳ {term}."
    text = f"Ủy ban MTTQ {unit} nhiệm kỳ {term}: **{_n(result['size'])}** ủy viên đang sinh hoạt"
    text += " (" + "; ".join(f"{p['label']}: {_n(p['count'])}" for p in result["by_position"]) + ")."
    if board := result["standing_board"]:
        text += f"\nBan Thường trực ({_n(len(board))} người):\n" + "\n".join(
            f"- {s['position']}: {s['full_name']}" for s in board
        )
    sectors = result["by_sector"]
    text += "\nTheo thành phần đại diện: " + "; ".join(f"{s['label']}: {_n(s['count'])}" for s in sectors) + "."
    return text


def _day(value: date | str) -> str:
    day = value if isinstance(value, date) else date.fromisoformat(value)
    return day.strftime("%d/%m/%Y")


def _history(result: dict[str, Any]) -> str:
    if not result.get("name"):
        return (
            "Bạn cho biết họ tên ủy viên cần xem lịch sử (viết hoa chữ cái đầu, "
            "ví dụ: “lịch sử của ông Nguyễn Văn An”)."
        )
    people = result["stories"]
    if not people:
        return f"Không tìm thấy ủy viên tên “{result['name']}” trong phạm vi của bạn."
    parts = []
    for person in people:
        state = f"đã {person['ended'].lower()}" if person["ended"] else "đang sinh hoạt"
        head = f"**{person['full_name']}** ({person['position'] or 'chưa ghi chức vụ'}, {person['unit_name']}; {state})"
        if not person["changes"]:
            parts.append(f"{head}: chưa có thay đổi nào được ghi nhận.")
            continue
        lines = [
            f"- {_day(c['on'])}: {c['action_label']} ({c['unit_name']})"
            + (f" — {', '.join(c['fields'])}" if c["fields"] else "")
            + (f". Lý do: {c['reason']}" if c["reason"] else "")
            for c in person["changes"]
        ]
        parts.append(f"{head}: {len(lines)} thay đổi\n" + "\n".join(lines))
    more = result["found"] - len(people)
    return "\n\n".join(parts) + ("\n\nCòn ủy viên khác cùng tên: ghi rõ hơn họ tên để xem." if more > 0 else "")
