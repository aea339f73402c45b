"""The assistant's Vietnamese replies in offline mode: questions, confirmations and answers from tool results."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from agents import contact_slots
from agents.register_replies import register_answer
from agents.state import Candidate
from agents.understanding import Intent
from mattran.auth.principal import CADRE_LEVEL, Principal, Role
from mattran.domain.attachments import MAX_BYTES
from mattran.domain.consent import PETITION_NOTICE
from mattran.domain.petition_status import STATUS_LABELS
from mattran.domain.petition_text import CATEGORIES
from mattran.domain.petitions import Contact
from mattran.domain.text import fold
from mattran.domain.time import VIETNAM
from tools.names import ToolName


@dataclass(frozen=True)
class Example:
    """A request a role can make: a short label (the chat's starter button) and the message it sends; a guided one
    is answered by its ``guide`` (the details asked for, nothing sent), the request then under way as ``intent``."""

    label: str
    message: str
    guide: str | None = None
    intent: Intent | None = None


CITIZEN_EXAMPLES = (
    Example(
        "Gửi phản ánh, kiến nghị",
        "Tôi muốn gửi phản ánh, kiến nghị",
        "Bạn muốn phản ánh, kiến nghị việc gì? Hãy mô tả sự việc: ở đâu (xã/phường, tỉnh/thành phố), từ khi nào, "
        "ảnh hưởng thế nào và bạn đề nghị gì; có thể kèm ảnh. Ví dụ: “Đường thôn 3 xã Văn Miếu, tỉnh Phú Thọ bị "
        "sụt lún nhiều tháng chưa sửa.” Chưa có gì được gửi cho đến khi bạn xác nhận.",
        Intent.FILE_PETITION,
    ),
    Example(
        "Tra cứu phản ánh của tôi",
        "Tôi muốn tra cứu phản ánh đã gửi",
        "Bạn cho tôi mã tra cứu đầy đủ nhận được khi gửi phản ánh (dạng PAKN-2026-000123-7KQ4XZ; viết thường, "
        "có dấu cách hay không có gạch nối đều được) nhé.",
        Intent.GET_PETITION_STATUS,
    ),
    Example(
        "Hỏi thư viện pháp luật",
        "Tôi muốn hỏi về pháp luật, thủ tục",
        "Bạn muốn hỏi gì về pháp luật, quyền hay thủ tục? Hãy gõ câu hỏi, ví dụ: “Thời hạn giải quyết khiếu nại "
        "lần đầu là bao lâu?”",
        Intent.SEARCH_LIBRARY,
    ),
    Example(
        "Tìm đơn vị mới của địa chỉ",
        "Tôi muốn tìm đơn vị mới của một địa chỉ",
        "Bạn cho tôi địa chỉ cũ (xã/phường, huyện, tỉnh), ví dụ: “P. Ba Đình, HN” hoặc “xã Ngũ Hiệp, huyện Thanh Trì”.",
        Intent.FIND_UNIT,
    ),
)
CADRE_EXAMPLES = (
    Example(
        "Soạn báo cáo phản ánh, kiến nghị", "Soạn báo cáo tình hình tiếp nhận, giải quyết phản ánh kiến nghị quý này"
    ),
    Example("Tiến độ đại hội", "Tiến độ đại hội của đơn vị tôi thế nào?"),
    Example("Thống kê ủy viên", "Đơn vị tôi có bao nhiêu ủy viên nữ?"),
    Example("Hỏi thư viện", "Mặt trận giám sát bằng những hình thức nào?"),
)
ADMIN_EXAMPLES = (
    Example("Tra mã đơn vị", "Mã đơn vị của xã Văn Miếu, tỉnh Phú Thọ là gì?"),
    Example("Tra cứu phản ánh theo mã", "Tra cứu tình trạng phản ánh theo mã"),
    Example("Văn bản trong thư viện", "Văn bản luật trong thư viện số có phải bản hiện hành không?"),
)


def guided(text: str) -> Example | None:
    """The guided example whose message ``text`` is (a starter button, or the same words typed)."""
    folded = fold(text)
    return next((e for e in CITIZEN_EXAMPLES if e.guide and fold(e.message) == folded), None)


TOOL_LABELS: dict[str, str] = {
    ToolName.FILE_PETITION: "gửi phản ánh",
    ToolName.GET_PETITION_STATUS: "tra cứu phản ánh",
    ToolName.FIND_UNIT: "tìm đơn vị",
    ToolName.QUERY_MEMBERS: "thống kê ủy viên",
    ToolName.GET_CONGRESS_PROGRESS: "tiến độ đại hội",
    ToolName.UPDATE_CONGRESS: "cập nhật đại hội",
    ToolName.DRAFT_REPORT: "soạn báo cáo",
    ToolName.SEARCH_LIBRARY: "tra thư viện",
}  # each tool as the chat names it ("Đã dùng: gửi phản ánh")


def examples(roles: Collection[str]) -> tuple[Example, ...]:
    """What a person with these roles can ask: a cadre's requests, else an administrator's, else a citizen's."""
    if any(role in roles for role in CADRE_LEVEL):
        return CADRE_EXAMPLES
    return ADMIN_EXAMPLES if Role.ADMIN in roles else CITIZEN_EXAMPLES


def ask_content() -> str:
    """Ask what the petition is about."""
    return (
        "Bạn muốn phản ánh, kiến nghị việc gì? Hãy mô tả sự việc: ở đâu, từ khi nào, ảnh hưởng thế nào "
        "và bạn đề nghị gì."
    )


def ask_unit() -> str:
    """Ask where to send it."""
    return (
        "Bạn muốn gửi đến Ủy ban MTTQ ở đâu? Hãy ghi tên xã/phường/đặc khu và tỉnh/thành phố "
        "(ví dụ: “phường Ba Đình, Hà Nội”), hoặc “Trung ương”."
    )


def unit_not_found(text: str) -> str:
    """The unit could not be recognised."""
    return f"Tôi chưa xác định được đơn vị “{text}”. {ask_unit()}"


def choose(candidates: Sequence[Candidate]) -> str:
    """Ask to choose among several units with the same name."""
    lines = [f"{i}. {c['name']}, {c['province_name'] or ''}".rstrip(", ") for i, c in enumerate(candidates, 1)]
    return "Có nhiều đơn vị trùng tên. Bạn muốn gửi đến đơn vị nào? Trả lời bằng số thứ tự:\n" + "\n".join(lines)


def choose_again(candidates: Sequence[Candidate]) -> str:
    """The choice was not understood."""
    return "Tôi chưa hiểu lựa chọn của bạn. " + choose(candidates)


def ask_tracking_code() -> str:
    """Ask for the tracking code."""
    return "Bạn cho tôi mã tra cứu đầy đủ của phản ánh (dạng PAKN-2026-000123-7KQ4XZ) nhé."


def ask_tracking_code_or_sign_in() -> str:
    """A guest asking for their petitions: the code, or signing in to see those sent while signed in."""
    return (
        "Bạn cho tôi mã tra cứu đầy đủ của phản ánh (dạng PAKN-2026-000123-7KQ4XZ) nhé. Nếu bạn đã gửi phản ánh khi "
        "đăng nhập, hãy [đăng nhập](/dang-nhap?next=/chat/) để xem danh sách tại [Phản ánh của tôi](/phan-anh-cua-toi)."
    )


def ask_congress_change() -> str:
    """Ask what to record about the congress."""
    return (
        "Bạn muốn cập nhật gì về đại hội? Ví dụ: “đã tổ chức ngày 12/5/2026, 120 đại biểu dự, bầu 35 ủy viên, "
        "bà Nguyễn Thị A làm Chủ tịch”."
    )


_CHANGE_LABELS = {
    "status": "trạng thái",
    "held_date": "ngày tổ chức",
    "planned_date": "ngày dự kiến",
    "delegates_attending": "đại biểu có mặt",
    "delegates_planned": "đại biểu được triệu tập",
    "committee_size": "số ủy viên được bầu",
    "chair_name": "Chủ tịch được bầu",
}
_STATUS_LABELS = {
    "chua_trien_khai": "chưa triển khai",
    "dang_chuan_bi": "đang chuẩn bị",
    "da_to_chuc": "đã tổ chức",
    "hoan_thanh": "hoàn thành",
}


def _change_text(change: dict[str, Any]) -> str:
    parts = []
    for key, value in change.items():
        if key.endswith("_date") and value:
            value = datetime.fromisoformat(value).strftime("%d/%m/%Y")
        parts.append(
            f"{_CHANGE_LABELS.get(key, key)}: {_STATUS_LABELS.get(value, value) if key == 'status' else value}"
        )
    return "; ".join(parts)


def confirm(
    call: Mapping[str, Any], slots: dict[str, Any], files: list[str], contact: Contact | None, account: str | None
) -> str:
    """What will be done, for the person to confirm: a petition with the names of its files, and the contact given
    (with the notice the consent is given under) or, optional, how to give one (``account``: the signed-in name)."""
    args = call.get("args", {})
    if call.get("name") == ToolName.UPDATE_CONGRESS:
        return (
            f"Tôi sẽ cập nhật đại hội của {slots.get('unit_name') or args.get('unit_code')}: "
            f"{_change_text(args.get('change', {}))}.\n\nBạn xác nhận chứ? (trả lời “có” hoặc “không”)"
        )
    attached = f"\nTệp đính kèm: {', '.join(files)}" if files else ""
    if contact:
        about = (
            f"Liên hệ để gọi lại: {contact_slots.shown(contact)}.\n{PETITION_NOTICE} Trả lời “có” là bạn đồng ý "
            "xử lý thông tin liên hệ này theo thông báo trên."
        )
    else:
        named = f"; họ tên theo tài khoản: {account}" if account else ""
        about = (
            "Nếu muốn được gọi lại (không bắt buộc), hãy trả lời họ tên và số điện thoại hoặc email, ví dụ "
            f"“Nguyễn Văn An, 0912 345 678”{named}. Thông tin liên hệ chỉ cán bộ xử lý được xem, không bao giờ "
            "công khai."
        )
    return (
        f"Tôi sẽ gửi phản ánh sau đến {slots.get('unit_name') or args.get('unit_code')}:\n"
        f"{args.get('content')}{attached}\n\n{about}\n\n"
        "Bạn xác nhận gửi chứ? (trả lời “có” hoặc “không”)"
    )


def cancelled() -> str:
    """The person cancelled what was pending (a confirmation, or a question asked)."""
    return "Đã hủy, chưa gửi gì. Bạn cần tôi giúp gì khác không?"


def welcome() -> str:
    """The answer to thanks, when nothing is pending."""
    return "Không có gì ạ. Khi cần, bạn cứ nhắn cho tôi."


PENDING_DROPPED = "Yêu cầu trước chưa được thực hiện."  # said before the answer to a new message sent instead


def files_refused(reason: str) -> str:
    """Files sent with a message were refused: nothing of the message was kept."""
    return (
        f"{reason} Chưa có gì được lưu: bạn hãy gửi lại tin nhắn kèm ảnh (JPEG, PNG, WebP) hoặc tệp PDF, "
        f"mỗi tệp tối đa {MAX_BYTES // (1024 * 1024)} MB."
    )


FILES_NOT_KEPT = (
    "Tệp đính kèm chỉ được nhận cùng một phản ánh, kiến nghị, nên tệp bạn gửi chưa được lưu. Nếu muốn "
    "phản ánh, hãy mô tả sự việc và gửi lại tệp cùng tin nhắn."
)
FILES_RECEIVED = "Đã nhận tệp đính kèm cho phản ánh."
ANSWER_FIRST = (
    "Yêu cầu trước đang chờ bạn xác nhận: hãy chọn **Gửi** hoặc **Hủy** trước khi gửi thêm tệp. "
    "Tệp vừa gửi chưa được lưu."
)
NOTHING_PENDING = "Yêu cầu này không còn chờ xác nhận: nó đã được trả lời hoặc đã hủy."


# How the person names each intent when asked which they meant: a label, and words (folded) that choose it.
INTENT_CHOICES: dict[Intent, tuple[str, tuple[str, ...]]] = {
    Intent.FILE_PETITION: ("Gửi phản ánh, kiến nghị", ("gui", "phan anh", "kien nghi", "khieu nai")),
    Intent.GET_PETITION_STATUS: ("Tra cứu phản ánh đã gửi", ("tra cuu", "tinh trang", "da gui", "theo doi")),
    Intent.FIND_UNIT: ("Tìm đơn vị hành chính", ("don vi", "dia chi", "thuoc")),
    Intent.SEARCH_LIBRARY: ("Hỏi thông tin, quy định", ("hoi", "thong tin", "quy dinh", "luat", "thu vien")),
    Intent.QUERY_MEMBERS: ("Số liệu ủy viên", ("uy vien", "thanh vien", "so lieu")),
    Intent.GET_CONGRESS_PROGRESS: ("Tiến độ đại hội", ("tien do",)),
    Intent.UPDATE_CONGRESS: ("Cập nhật đại hội", ("cap nhat", "ghi")),
    Intent.DRAFT_REPORT: ("Soạn báo cáo", ("bao cao", "soan")),
    Intent.HELP: ("Hướng dẫn sử dụng", ("huong dan", "cach dung")),
}
INTENT_WORDS = {intent: words for intent, (_label, words) in INTENT_CHOICES.items()}


def which_intent(choices: Sequence[Intent]) -> str:
    """Ask which of two intents the person meant (the chat shows the choices as buttons)."""
    options = " hay ".join(INTENT_CHOICES[c][0].lower() for c in choices)
    listed = "\n".join(f"{n}. {INTENT_CHOICES[c][0]}" for n, c in enumerate(choices, 1))
    return f"Bạn muốn {options}?\n{listed}"


def manipulation_refused() -> str:
    """An attempt to steer the assistant or to reach other people's data: refused, without a lecture."""
    return (
        "Xin lỗi, tôi không thể làm theo yêu cầu này: trợ lý chỉ làm việc trong quyền của tài khoản bạn và không "
        "cung cấp thông tin cá nhân của người khác. Tôi có thể giúp bạn gửi phản ánh, tra cứu phản ánh của bạn "
        "hoặc hỏi thư viện pháp luật."
    )


def denied(tool: str, reason: str | None = None) -> str:
    """The caller may not make this call: the role may not use the tool, or (``reason``) not on that unit."""
    return f"Tài khoản của bạn không được dùng chức năng này ({tool}){': ' + reason if reason else ''}."


def out_of_scope() -> str:
    """Clearly outside what the assistant does."""
    return (
        "Xin lỗi, việc này nằm ngoài phạm vi của trợ lý. Tôi có thể giúp bạn gửi phản ánh, kiến nghị, tra cứu "
        "phản ánh theo mã, hỏi đáp pháp luật và thủ tục trong thư viện số, hoặc xác định đơn vị hành chính."
    )


def help_text(principal: Principal) -> str:
    """What the assistant can do for this caller."""
    who = principal.name if principal.authenticated else "bạn"
    lines = [
        f"Xin chào {who}! Tôi có thể:",
        "- gửi phản ánh, kiến nghị đến Ủy ban MTTQ xã, tỉnh hoặc Trung ương;",
        "- tra cứu tình trạng phản ánh theo mã tra cứu đã nhận khi gửi;",
        "- trả lời câu hỏi về pháp luật, quyền và thủ tục từ thư viện số, có trích dẫn;",
        "- xác định đơn vị hành chính mới của một địa chỉ cũ.",
    ]
    if principal.cadre_role is not None:
        lines += [
            "Với cán bộ, trong phạm vi đơn vị của mình: số liệu ủy viên Ủy ban MTTQ, tiến độ và cập nhật đại hội, "
            "thống kê phản ánh theo trạng thái, soạn dự thảo báo cáo."
        ]
    return "\n".join(lines)


def library_answer(result: dict[str, Any]) -> str:
    """An extractive answer in one or two plain sentences of the best passage with its source, then one notice
    (a replaced or amended text) for the whole answer; every passage is cited below it (the turn's citations)."""
    if not result["found"]:
        return (
            "Thư viện chưa có tài liệu nào trả lời câu hỏi này. Bạn thử hỏi cách khác, hoặc gửi phản ánh, kiến "
            "nghị để Ủy ban MTTQ trả lời."
        )
    best, *others = result["passages"]
    said = " ".join(best["sentences"][:2]) or best["text"][:300]
    lines = [f"Theo thư viện số: {said} — [{best['heading']}]({best['url']})"]
    if best.get("notice"):
        lines.append(f"⚠️ {best['notice']}")
    elif any(p.get("notice") for p in others):
        lines.append("⚠️ Có văn bản được trích dẫn bên dưới đã được sửa đổi hoặc thay thế: hãy đối chiếu văn bản mới.")
    return "\n\n".join(lines)


_OWN_SHOWN = 10  # petitions listed in the chat; the page has them all


def _own_petitions(petitions: list[dict[str, Any]]) -> str:
    """A signed-in citizen's petitions, newest first, each with its status (as on “Phản ánh của tôi”)."""
    if not petitions:
        return (
            "Bạn chưa gửi phản ánh nào khi đăng nhập. Phản ánh gửi khi chưa đăng nhập: tra cứu bằng mã tra cứu đầy đủ."
        )
    lines = [f"Bạn có {len(petitions)} phản ánh (mới nhất trước):"]
    for p in petitions[:_OWN_SHOWN]:
        unit = f" — {p['unit_name']}" if p.get("unit_name") else ""
        when = _date(p["created_at"])
        lines.append(f"- **{p['tracking_code']}** ({when}): {p['title']} — **{p['status_label']}**{unit}")
    if len(petitions) > _OWN_SHOWN:
        lines.append(f"… và {len(petitions) - _OWN_SHOWN} phản ánh khác.")
    lines.append("Xem quá trình xử lý, bổ sung hoặc đánh giá tại [Phản ánh của tôi](/phan-anh-cua-toi).")
    return "\n".join(lines)


def from_result(call: Mapping[str, Any], result: dict[str, Any]) -> str:
    """The answer built from a tool's result."""
    name = call.get("name")
    if name == ToolName.FILE_PETITION:
        attached = f" Đã lưu kèm {result['attachments']} tệp đính kèm." if result.get("attachments") else ""
        return (
            f"{result['message']}\nLĩnh vực: {result['category_label']}.{attached} "
            f"Bạn có thể tra cứu bất cứ lúc nào bằng mã **{result['tracking_code']}**."
        )
    if name == ToolName.SEARCH_LIBRARY:
        return library_answer(result)
    if name == ToolName.GET_PETITION_STATUS and "mine" in result:
        return _own_petitions(result["mine"])
    if name == ToolName.GET_PETITION_STATUS and "overdue_units" in result:
        return _overdue_units(result)
    if name == ToolName.GET_PETITION_STATUS and "by_status" in result:
        return _petition_counts(result)
    if name == ToolName.GET_PETITION_STATUS:
        if "not_found" in result:
            return f"{result['not_found']} Bạn kiểm tra lại mã giúp tôi nhé."
        due = _date(result["due_at"])
        text = (
            f"Phản ánh {result['tracking_code']}: **{result['status_label']}**"
            f" — đơn vị tiếp nhận: {result['unit_name'] or 'đang xác định'}; lĩnh vực: "
            f"{CATEGORIES.get(result['category'], result['category'])}; hạn trả lời: {due}."
        )
        return text + (f"\nTrả lời: {result['answer']}" if result.get("answer") else "")
    if name == ToolName.QUERY_MEMBERS:
        return register_answer(result) if result.get("subject", "members") != "members" else _member_figures(result)
    if name == ToolName.GET_CONGRESS_PROGRESS:
        return _congress_progress(result)
    if name == ToolName.UPDATE_CONGRESS:
        return (
            f"Đã cập nhật đại hội {result['unit_name']} nhiệm kỳ {result['term']}: trạng thái "
            f"{result['status_label'].lower()}."
        )
    if name == ToolName.DRAFT_REPORT:
        return (
            f"Đã soạn dự thảo báo cáo số {result['report_id']} (phiên bản {result['version']}) — "
            f"{result['unit_name']}, {result['period_label']}. Mọi số liệu lấy từ nền tảng, nguồn từng số liệu "
            f"ở phụ lục.\n\n[Tải tệp .docx]({result['docx_url']}) · [Xem, sửa bằng lời]({result['page_url']})"
            f"\n\n---\n\n{result['markdown']}"
        )
    if name == ToolName.FIND_UNIT:
        lines = [result["message"]] + [
            f"- {m['name']}, {m['province_name'] or ''} (mã {m['code']})".replace(", (", " (")
            for m in result["results"][:10]
        ]
        return "\n".join(lines)
    return out_of_scope()


def _petition_counts(result: dict[str, Any]) -> str:
    """A unit's petitions counted by status, and by category when no category was asked for."""
    about = f" lĩnh vực {CATEGORIES[result['category']].lower()}" if result.get("category") else ""
    parts = [f"{STATUS_LABELS[s].lower()}: {_number(n)}" for s, n in result["by_status"].items()]
    text = (
        f"Phản ánh, kiến nghị{about} của {result['unit_name']} (cả đơn vị trực thuộc): "
        f"tổng **{_number(result['total'])}**, chưa giải quyết xong {_number(result['open'])}, "
        f"quá hạn **{_number(result['overdue'])}**." + (f"\nTheo trạng thái — {'; '.join(parts)}." if parts else "")
    )
    if kinds := result.get("by_category"):
        text += "\nTheo lĩnh vực:" + "".join(
            f"\n- {CATEGORIES.get(c['category'], c['category'])}: {_number(c['total'])}, chưa giải quyết xong "
            f"{_number(c['open'])}, quá hạn {_number(c['overdue'])}"
            for c in kinds
        )
    return text


def _overdue_units(result: dict[str, Any]) -> str:
    """The units below the cadre's with petitions past their due date, most first (a commune: its own count)."""
    units = result["overdue_units"]
    if not result["overdue"]:
        return f"{result['unit_name']} không có phản ánh, kiến nghị nào quá hạn xử lý."
    if not units:
        return f"{result['unit_name']} có **{_number(result['overdue'])}** phản ánh, kiến nghị quá hạn xử lý."
    lines = "".join(f"\n{i}. {u['name']}: {_number(u['overdue'])}" for i, u in enumerate(units, 1))
    return (
        f"Đơn vị có phản ánh, kiến nghị quá hạn xử lý thuộc {result['unit_name']} — {_number(len(units))} đơn vị, "
        f"tổng **{_number(result['overdue'])}** phản ánh (nhiều nhất trước):{lines}"
    )


def _date(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(VIETNAM).strftime("%d/%m/%Y")


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%".replace(".", ",")


def _member_figures(result: dict[str, Any]) -> str:
    """A member count with the group it is taken from and its share; the average age or a ranking when asked."""
    filters = result.get("filters", {})
    group = _group_text(filters)
    what = _filters_text(filters)
    text = f"{result['unit_name']} có **{_number(result['count'])}** {what} (tính cả các đơn vị trực thuộc)"
    if "total" in result and what != group:
        text += f", trên tổng số {_number(result['total'])} {group} — chiếm **{_percent(result['share'])}**"
    text += "."
    if own := result.get("own"):
        text += f" Riêng {own['name']}: {_number(own['count'])}/{_number(own['total'])} ({_percent(own['share'])})."
    if genders := result.get("genders"):
        women, men = genders["nữ"], genders["nam"]
        text += f"\nNữ: {_number(women)}, nam: {_number(men)}; chênh lệch **{_number(abs(women - men))}** người."
    if len(compared := result.get("compared") or []) == 2:
        text += "\n" + _compared(compared, result.get("measure") == "average_age")
    if result.get("measure") == "average_age":
        age = result.get("average_age")
        text += f" Tuổi bình quân: **{_decimal(age)}** tuổi." if age is not None else " Chưa ghi năm sinh để tính tuổi."
    if ranked := result.get("by_unit"):
        by_age = result.get("rank_by") == "average_age"
        order = {"share": "tỷ lệ", "average_age": "tuổi bình quân"}.get(result.get("rank_by", ""), "số người")
        text += f"\nTheo đơn vị trực thuộc (xếp theo {order}):\n" + "\n".join(
            f"{n}. {u['name']}: {_number(u['count'])}/{_number(u['total'])} ({_percent(u['share'])})"
            + (f", tuổi bình quân {_decimal(u['average_age'])}" if by_age and u["average_age"] is not None else "")
            for n, u in enumerate(ranked, 1)
        )
    return text


def _congress_progress(result: dict[str, Any]) -> str:
    """Units held out of the total and by status, by level and by province; delegates and members elected; the
    units not yet held; one unit's own congress when one unit is asked about."""
    s = result["summary"]
    lines = [
        f"Đại hội nhiệm kỳ {result['term']} — {result['unit_name']}: đã tổ chức {_number(s['held'])}/"
        f"{_number(s['total'])} đơn vị (**{_percent(s['share'])}**); đang chuẩn bị {_number(s['preparing'])};"
        f" chưa triển khai {_number(s['not_started'])}; quá hạn kế hoạch {_number(s['overdue'])};"
        f" tổ chức muộn so với kế hoạch {_number(s['held_late'])}."
    ]
    if statuses := result.get("by_status"):
        lines.append(
            "Theo trạng thái: "
            + "; ".join(f"{c['label'].lower()} {_number(c['count'])} ({_percent(c['share'])})" for c in statuses)
            + "."
        )
    for g in result.get("by_level", []):
        statuses = "; ".join(
            f"{c['label'].lower()} {_number(c['count'])} ({_percent(c['share'])})" for c in g.get("by_status", [])
        )
        lines.append(
            f"- {g['label']}: đã tổ chức {_number(g['held'])}/{_number(g['total'])} ({_percent(g['share'])}), "
            f"chưa tổ chức {_number(g['total'] - g['held'])}, quá hạn {_number(g['overdue'])}, tổ chức muộn "
            f"{_number(g['held_late'])}" + (f" — {statuses}" if statuses else "")
        )
    if len(compared := result.get("compared") or []) == 2:
        lines.append(_compared_congresses(compared, result.get("compare_on", "held")))
    if month := result.get("month"):
        lines += _in_month(month)
    if unit := result.get("unit"):
        lines.append(_one_congress(unit))
    for d in result.get("delegates", []):
        if d["key"] != "all" and len(result["delegates"]) <= 2:
            continue  # one level: the whole says it
        if parts := _delegates(d):
            lines.append(f"{d['label']}: " + ", ".join(parts) + ".")
    if provinces := result.get("by_province"):
        lines.append("Theo tỉnh, thành phố (tỷ lệ cao trước):")
        lines += [
            f"{n}. {g['label']}: {_number(g['held'])}/{_number(g['total'])} ({_percent(g['share'])})"
            for n, g in enumerate(provinces, 1)
        ]
    if (waiting := result.get("not_held")) and not unit:
        more = s["total"] - s["held"] - len(waiting)
        lines.append(
            "Chưa tổ chức: "
            + ", ".join(f"{u['name']} ({u['status_label'].lower()})" for u in waiting)
            + (f" và {_number(more)} đơn vị khác." if more > 0 else ".")
        )
    return "\n".join(lines)


_COMPARED_ON = {
    "not_started": "số đơn vị chưa triển khai đại hội",
    "delegates_attending": "số đại biểu có mặt",
    "delegates_planned": "số đại biểu được triệu tập",
    "committee_size": "số ủy viên được bầu",
}


def _compared_congresses(units: list[dict[str, Any]], on: str) -> str:
    """Two units' congresses side by side (of one level when asked) and the difference of what is compared: units
    held, delegates present or summoned, members elected."""
    first, second = units
    level = " (cấp xã)" if first["level"] == 2 else " (cấp tỉnh)" if first["level"] == 1 else ""
    if what := _COMPARED_ON.get(on):
        sides = "; ".join(f"{u['unit_name']}: {_number(u[on])}" for u in units)
        gap = abs(first[on] - second[on])
        people = "đơn vị" if on == "not_started" else "người"
        return f"So sánh {what}{level} — {sides}. Chênh lệch: **{_number(gap)}** {people}."
    sides = "; ".join(
        f"{u['unit_name']}: {_number(u['held'])}/{_number(u['total'])} ({_percent(u['share'])})" for u in units
    )
    gap = abs(first["held"] - second["held"])
    return f"So sánh số đơn vị đã tổ chức đại hội{level} — {sides}. Chênh lệch: **{_number(gap)}** đơn vị."


def _in_month(month: dict[str, Any]) -> list[str]:
    """Congresses held in a month and planned for it, in all and per level (when there are several)."""
    when = f"tháng {month['month']}" + (f"/{month['year']}" if month.get("year") else "")
    counts = month["counts"]
    return [
        f"{'Trong' if c['key'] == 'all' else '- ' + c['label'] + ':'} {when}: đã tổ chức **{_number(c['held'])}**"
        f" đại hội; dự kiến tổ chức {_number(c['planned'])}, trong đó chưa tổ chức {_number(c['planned_waiting'])}."
        for c in counts
        if c["key"] == "all" or len(counts) > 2
    ]


def _one_congress(unit: dict[str, Any]) -> str:
    """One unit's congress: its status and dates, how late it was held."""
    text = f"Đại hội {unit['name']}: {unit['status_label'].lower()}"
    if unit.get("planned_date"):
        text += f", ngày dự kiến {_day(unit['planned_date'])}"
    if unit.get("held_date"):
        text += f", ngày tổ chức {_day(unit['held_date'])}"
        if unit.get("planned_date"):
            late = (date.fromisoformat(unit["held_date"]) - date.fromisoformat(unit["planned_date"])).days
            text += f" (muộn {_number(late)} ngày so với dự kiến)" if late > 0 else " (đúng hoặc sớm hơn dự kiến)"
    return text + "."


def _delegates(d: dict[str, Any]) -> list[str]:
    """Delegates summoned and present (their share, those absent, the mean per congress), members elected."""
    parts = []
    if d["planned_reported"]:
        parts.append(f"đại biểu được triệu tập {_number(d['delegates_planned'])}")
    if d["attending_reported"]:
        present = f"đại biểu có mặt {_number(d['delegates_attending'])}"
        if d["planned_of_attending"]:
            absent = d["planned_of_attending"] - d["delegates_attending"]
            present += f" ({_percent(d['delegates_attending'] / d['planned_of_attending'])} số được triệu tập"
            present += f", vắng {_number(absent)})" if absent >= 0 else ")"
        if d["attending_reported"] > 1:
            present += f", bình quân {_decimal(d['delegates_attending'] / d['attending_reported'])} mỗi đại hội"
        parts.append(present)
    if d["elected_reported"]:
        parts.append(f"ủy viên được bầu {_number(d['committee_size'])}")
    return parts


def _day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def _compared(units: list[dict[str, Any]], by_age: bool) -> str:
    """Two units side by side and the difference between them (of their average ages, each rounded first)."""
    first, second = units
    sides = "; ".join(
        f"{u['unit_name']}: {_number(u['count'])}/{_number(u['total'])} ({_percent(u['share'])})"
        + (f", tuổi bình quân {_decimal(u['average_age'])}" if u["average_age"] is not None else "")
        for u in units
    )
    if by_age and first["average_age"] is not None and second["average_age"] is not None:
        gap = abs(round(first["average_age"], 1) - round(second["average_age"], 1))
        return f"So sánh — {sides}. Chênh lệch tuổi bình quân: **{_decimal(gap)}** năm."
    return f"So sánh — {sides}. Chênh lệch: **{_number(abs(first['count'] - second['count']))}** người."


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _group_text(filters: dict[str, Any]) -> str:
    """The group a share is taken from: the position, organisation, term, level the filters name."""
    if filters.get("standing"):
        what = "thành viên Ban Thường trực"
    else:
        what = "ủy viên" if not filters.get("position") else filters["position"].lower()
    if filters.get("organisation"):
        what += f" thuộc {filters['organisation']}"
    if filters.get("level") is not None:
        what += {0: " cấp Trung ương", 1: " cấp tỉnh", 2: " cấp xã"}[filters["level"]]
    if filters.get("term"):
        what += f" nhiệm kỳ {filters['term']}"
    return what


def _filters_text(filters: dict[str, Any]) -> str:
    what = _group_text(filters)
    if filters.get("gender"):
        what += f" {filters['gender']}"
    if filters.get("minority"):
        what += " là người dân tộc thiểu số"
    if filters.get("ethnicity"):
        what += f" dân tộc {filters['ethnicity']}"
    if filters.get("religion"):
        what += f" tôn giáo {filters['religion']}"
    if filters.get("believer"):
        what += " có theo tôn giáo"
    if filters.get("min_age") is not None and filters.get("max_age") is not None:
        what += f" từ {filters['min_age']} đến {filters['max_age']} tuổi"
    elif filters.get("max_age") is not None:
        what += f" dưới {filters['max_age'] + 1} tuổi"
    elif filters.get("min_age") is not None:
        what += f" từ {filters['min_age']} tuổi"
    return what
