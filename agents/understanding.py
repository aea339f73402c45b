"""Offline understanding (no language model): intent by rules over folded Vietnamese, slots by patterns.

Rules are checked in a fixed order: manipulation or requests for other people's data (refused first, even when the
message carries a tracking code), a tracking code, "how do I …" questions, follow-ups on a petition already sent,
questions about administrative units, requests for information the assistant does not give, petitions (cue words or
a described problem), greetings and help, and a bare address. Unit mentions are read with the diacritics when the
message has them (``xã`` is a unit, ``xả`` is not) and with the capitals when the writer uses them for names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from agents.cadre_slots import MEMBER_CUES, PROGRESS_CUES, UPDATE_CUES, congress_change, member_filters
from mattran.domain import receipts
from mattran.domain.petition_text import suggest_category
from mattran.domain.text import fold, nfc, strip_marks


class Intent(StrEnum):
    """What a message asks for: a tool to run (same name), or an answer in words (help, out of scope)."""

    FILE_PETITION = "file_petition"
    GET_PETITION_STATUS = "get_petition_status"
    FIND_UNIT = "find_unit"
    HELP = "help"
    OUT_OF_SCOPE = "out_of_scope"
    QUERY_MEMBERS = "query_members"
    GET_CONGRESS_PROGRESS = "get_congress_progress"
    UPDATE_CONGRESS = "update_congress"
    DRAFT_REPORT = "draft_report"
    SEARCH_LIBRARY = "search_library"


def _rx(*parts: str) -> re.Pattern[str]:
    """One pattern over folded text, matching any of ``parts`` as whole words."""
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b")


# Steering the assistant, reaching data in bulk or with privileges.
_OVERRIDE = _rx(
    r"bo qua(?: \w+){0,4} (?:huong dan|hd|chi dan|quy tac|lenh|yeu cau|gioi han|dan)",
    r"khong can (?:kiem tra )?(?:quyen|xac thuc|dang nhap)",
    r"pretend",
    r"act as",
    r"(?:delete|remove)(?: \w+){0,2} (?:petitions?|records?)",
    r"quen(?: \w+){0,3} (?:huong dan|chi dan|quy tac|lenh|vai tro)",
    r"tra loi nhu (?:mot )?(?:hacker|admin)",
    r"(?:ignore|disregard|forget)(?: \w+){0,3} (?:instructions|rules|prompt)",
    r"you are now",
    r"jailbreak",
    r"(?:print|list|show|export|dump|give)(?: \w+){0,6} (?:phone|address|email|names?|personal|submitters?)",
    r"system prompt",
    r"prompt (?:he thong|cua ban)",
    r"dong vai (?!tro)\w+",
    r"ban khong co (?:bat ky )?gioi han",
    r"che do (?:nha phat trien|quan tri|admin|developer)",
    r"(?:developer|admin|god) mode",
    r"ban (?:la|lam) (?:admin|quan tri)",
    r"cap quyen (?:quan tri|admin)",
    r"mat khau (?:quan tri|he thong|admin)",
    r"(?:xuat|tai|in ra|lay)(?: \w+){0,3} (?:co so du lieu|du lieu|database)",
    r"(?:xuat|in ra) (?:toan bo|tat ca)",
    r"select\b.*\bfrom",
    r"drop table",
    r"(?:xoa|sua) (?:het|tat ca|toan bo)(?: \w+){0,2} (?:phan anh|du lieu|don)",
)
# Asking for someone's personal data, about the person who sent (or is behind) a petition.
_PERSONAL = _rx(
    r"(?:cho|xin|cung cap|tiet lo|hien thi|biet|lay|in ra|xuat|liet ke|tim|tong hop|kem)(?: \w+){0,6} "
    r"(?:so dien thoai|sdt|dien thoai|e ?mail|dia chi|ho ten|ho va ten|ten|cccd|cmnd|can cuoc"
    r"|thong tin ca nhan)"
)
_FILER = r"(?:nhung |cac )?nguoi (?:da )?(?:gui|phan anh|khieu nai|to cao|kien nghi|nop)"
_OTHERS = _rx(_FILER, r"cua ho")
_DATA = r"(?:so dien thoai|sdt|dia chi|ho ten|ho va ten|ten(?! (?:la|toi|tui|minh))|cccd|cmnd|email|thong tin)"
_FILER_DATA = _rx(_DATA + r"(?: \w+){0,2} " + _FILER, r"(?:danh sach|ds|toan bo|tat ca)(?: \w+){0,3} " + _DATA)
_WHO = _rx(
    r"ai la " + _FILER,
    r"nguoi (?:da )?(?:to cao|khieu nai|phan anh) (?:toi|tui|minh) la ai",
    r"(?:danh sach|ds|liet ke)(?: \w+){0,2} " + _FILER,
    r"(?<!co )ai (?:da )?(?:to cao|khieu nai|phan anh|kien nghi)",
)  # who, not whether ("có ai … chưa")

_HOW_TO = _rx(
    r"(?:lam (?:sao|the nao)|cach(?: nao)?|huong dan)(?: de| cach)? "
    r"(?:gui|nop|tra cuu|theo doi|dung|su dung|viet)",
    # "can I … here?": "tra cứu được đơn không?"
    r"(?:tra cuu|gui|nhan|nop|theo doi)(?: \w+){0,4} duoc(?: \w+){0,2} (?:khong|ko|hong)(?: a| vay)?$",
)
# A petition already sent, and a question about its progress.
_SUBMITTED = _rx(
    r"(?:phan anh|kien nghi|don|ho so|khieu nai)(?: \w+){0,6} (?:da |toi |tui |minh |em )?(?:gui|nop)",
    r"(?:toi|tui|minh|em|da) (?:gui|nop) (?:phan anh|kien nghi|don|ho so)",
    r"(?:phan anh|kien nghi|don|ho so|khieu nai) (?:cua )?(?:toi|tui|minh|em|chung toi)",
)
_PROGRESS = _rx(
    r"den dau",
    r"toi dau",
    r"chua (?:thay|co) (?:ai |gi )?(?:tra loi|goi|phan hoi|xu ly|giai quyet|lien he)",
    r"o buoc nao",
    r"ket qua",
    r"tien do",
    r"sao roi",
    r"sao lau",
    r"(?:di |o )?dau roi",
    r"tinh hinh (?:xu ly|giai quyet)",
    r"(?:xu ly|giai quyet) (?:the nao|ra sao)",
    r"im (?:re|lang|ru|hoi)",
    r"bat vo am tin",
    r"chua thay (?:dong tinh|gi)",
)
# "đã … chưa?", "xử lý chưa?": "chưa" closing a question (read with punctuation), not "chưa được giải quyết, …".
_YET = re.compile(
    r"\b(?:da|co ai|giai quyet|xu ly|tiep nhan|tra loi|phan hoi|nhan|chuyen|coi|xem|duyet)"
    r"(?: \w+){0,8} chua(?: \w+){0,2}\s*(?:[?.!]|$)"
)
_FOLLOW = _rx(
    r"(?:(?:tra cuu|theo doi)(?: giup)?(?: toi| minh| em)?|tinh trang|trang thai"
    r"|tien do(?: giai quyet| xu ly)?)(?: cua)? "
    r"(?:phan anh|kien nghi|don(?! vi)|ho so|khieu nai)"
)
_FIND = _rx(  # questions about a unit
    r"(?:(?:xa|phuong|tinh|thanh pho|tinh thanh|don vi|dac khu|mat tran|(?<!co )quan|huyen|thi tran) )+"
    r"(?:cu |moi )?nao",
    r"(?:la|thuoc)(?: (?:xa|phuong|tinh|thanh pho|tinh thanh|don vi|dac khu|quan|huyen|thi tran))+ gi",
    r"(?:thuoc|nhap vao|nhap vo|nhap voi)(?: ve)? dau",
    r"ten gi",
    r"goi la gi",
    r"don vi hanh chinh",
    r"dia chi moi",
    r"tra cuu don vi",
    r"ma don vi",
    r"(?:doi|chuyen) (?:ten )?thanh gi",
    r"thuoc (?:xa|phuong|tinh|thanh pho|quan|huyen|dac khu)(?: \w+){1,4} hay",  # "thuộc tỉnh A hay B?"
)
_FIND_WEAK = _rx(  # about the 2025 reorganisation: a unit question only in a short message that is no petition
    r"nhap (?:vao|vo|voi)",
    r"sap nhap",
    r"sap xep",
    r"chia thanh",
    r"(?:gio|bay gio|(?<!hom )nay) (?:la|thuoc|con)",
    r"con (?:khong|ton tai)",
    r"(?:bi )?(?:bo|xoa bo|giai the) (?:roi|chua)",
)
_INFO = _rx(
    r"tu van",
    r"co nen",
    r"can (?:nhung )?(?:giay to|ho so|thu tuc) gi",
    r"bao nhieu",
    r"o dau",
    r"lich (?:cat|mat) (?:dien|nuoc)",
    r"nao gan",
    r"gan (?:day|nhat)",
    r"dich (?:giup|sang)",
    r"mo cua",
    r"thanh lap nam nao",
)
# "khieu lai" (n/l) and "kiem nghi" (n/m) are frequent slips.
_PETITION = _rx(
    r"phan anh",
    r"kien nghi",
    r"kiem nghi",
    r"gui don",
    r"khieu [nl]ai",
    r"to cao",
    r"de nghi",
    r"de xuat",
    r"gop y",
    r"muon gui",
    r"xin gui",
    r"bao viec",
    r"keu cuu",
    r"can giai quyet",
    r"kinh gui",
    r"kinh mong",
    r"(?:mong|nho|de nghi) (?:mat tran|mttq|chinh quyen|cac co quan)",
)
_COMPLAINT = _rx(
    r"bi (?:hong|hu|vo|tac|ngap|sap|mat|cat|o nhiem|lan chiem|anh huong|thu|doi)",
    r"hu het",
    r"hu hong",
    r"tac nghen",
    r"ngap (?:nang|sau)",
    r"sat lo",
    r"lay loi",
    r"khoi den",
    r"bui mu",
    r"boc mui",
    r"kho tho",
    r"khong chiu (?:duoc|noi)",
    r"(?<!lich )(?:mat|cat) (?:dien|nuoc)",
    r"ket xe",
    r"tai nan",
    r"nguy hiem",
    r"lan (?:sang|ra)",
    r"buc xuc",
    r"khong ai (?:giai quyet|sua|xu ly|lap)",
    r"khong giai thich",
    r"cham tre",
    r"qua tai",
    r"co lap",
    r"ho tro gap",
    r"xuong cap",
    r"dot nat",
    r"bo hoang",
    r"trai phep",
    r"sai quy dinh",
    r"ngoai quy dinh",
    r"vi pham",
    r"bat (?:mua|dong|nop)",
    r"gap (?:doi|ba)",
    r"cao hon (?:gia |muc )?(?:quy dinh|nha nuoc)",
    r"tu y",
    r"khong co (?:phieu thu|bien lai|hoa don)",
    r"(?:thu|tinh|ghi) (?:tien |phi )?sai",
)
# A statement about a local problem: a place nearby and a state or a wish (read with marks when there are any).
_PLACE = "thôn xóm ấp bản làng khu tổ ngõ hẻm kiệt phường xã nhà đường chợ trường cổng sông kênh mương cống"
_STATE = "bị chưa quá rất lắm mong hôi thối thúi ồn chiếm"
_DEFECT = _rx(r"hu", r"hong", r"vo", r"tac", r"sap", r"ngap")
# A cadre asks for an advisory report to be drafted (kind, unit and period are read by the report domain): the
# request opens the message ("giúp tôi soạn báo cáo …"), unlike a petition that reports opinions gathered.
_REPORT = re.compile(
    r"^(?:\w+ ){0,4}(?:(?:soan|viet|lap|lam|xay dung|du thao|chuan bi|tong hop)(?: \w+){0,3} bao cao"
    r"|tong hop(?: cac)? y kien|bao cao (?:tinh hinh|tien do|ket qua|so lieu|tong hop|danh gia"
    r"|phan anh|co cau|cong tac))\b"
)
# A question about the law, rights and procedures: the library answers it, with citations.
_LEGAL = _rx(
    r"luat",
    r"phap luat",
    r"quy dinh",
    r"hien phap",
    r"nghi dinh",
    r"thong tu",
    r"dieu \d+",
    r"quyen",
    r"nghia vu",
    r"thu tuc",
    r"tham quyen",
    r"thoi han",
    r"thoi hieu",
    r"bao hiem",
    r"bhxh",
    r"luong huu",
    r"thai san",
    r"om dau",
    r"tro cap",
    r"mai tang",
    r"so do",
    r"so hong",
    r"giay chung nhan",
    r"thu hoi dat",
    r"boi thuong",
    r"den bu",
    r"tai dinh cu",
    r"bau cu",
    r"ung cu",
    r"cu tri",
    r"dai bieu",
    r"hoi tham",
    r"mat tran",
    r"mttq",
    r"giam sat",
    r"phan bien",
    r"tiep cong dan",
    r"tiep dan",
    r"hdnd",
    r"hoi dong nhan dan",
    r"ubnd",
    r"chinh quyen",
    r"cong dan",
    r"khieu [nl]ai",
    r"to cao",
    r"nguoi to cao",
    r"thong tin",
    r"trung cau",
    r"quoc hoi",
    r"dat (?:o|nong nghiep|trong lua|dai)",
    r"chuyen nhuong",
    r"cong chung",
    r"tranh chap",
    r"hoa giai",
    r"cuong che",
    r"giai toa",
    r"tien tuat",
    r"nghi (?:de|sinh|om)",
    r"kham thai",
    r"tai nan lao dong",
    r"ve huu",
    r"nghia vu quan su",
    r"tu do",
    r"phieu bau",
    r"tin nhiem",
    r"trung cu",
    r"tham nhung",
    r"nha nuoc",
    r"co quan nha nuoc",
    r"toa an",
    r"vien kiem sat",
    r"hoi nong dan",
    r"doan thanh nien",
    r"hoi phu nu",
    r"cong doan",
    r"ban cong tac mat tran",
    r"dang ky",
    r"ket hon",
    r"giay to",
    r"dieu kien",
)
_ASKING = re.compile(
    r"\?\s*$|\b(?:co (?:duoc|phai|bi|can|quyen|bat buoc)|duoc (?:khong|ko|hong|gi)|(?:khong|ko|hong|chua) a?$"
    r"|bao (?:lau|nhieu|gio)|the nao|nhu the nao|ra sao|lam sao|thi sao|la gi|gi|nao|ai|o dau"
    r"|khi nao|luc nao|may|hay (?:la|bang)|hay khong|co hop le)\b"
)
# Advice, shopping and prices are not the library's (nor the Front's) to give.
_ADVICE = _rx(r"tu van", r"co nen", r"mua(?: \w+){0,4} (?:o dau|online|re)", r"gia (?:vang|xang|dien thoai)")
# The writer is filing, not asking: "tôi muốn phản ánh …", "kính gửi …".
_PETITION_OPENING = _rx(
    r"(?:toi|minh|em|chung toi|gia dinh toi) (?:muon |xin |can )?(?:gui |lam )?(?:phan anh|kien nghi"
    r"|khieu [nl]ai|to cao|de nghi)",
    r"kinh gui",
    r"kinh mong",
    r"xin gui",
    r"muon gui",
    r"xin chuyen",
    r"thay mat",
    r"^(?:to cao|khieu nai|phan anh|kien nghi)",
)
_HELP = _rx(
    r"xin chao",
    r"chao",
    r"hello",
    r"hi",
    r"alo",
    r"ban la ai",
    r"(?:lam|giup|ho tro)(?: duoc)? (?:nhung )?(?:viec )?gi",
    r"(?:hoi|ho tro)(?: \w+)? (?:duoc )?nhung (?:viec )?gi",
    r"giup gi",
    r"huong dan",
    r"tro giup",
    r"help",
    r"tro ly",
    r"bot",
    r"app",
    r"^giup (?:toi|minh|em|voi)(?: voi)?$",
    r"chi giup",
    r"khong biet (?:dung|su dung)",
    r"co ai khong",
    r"bat dau",
    r"menu",
)

# Unit mentions: type words (with their marks), abbreviations, glued forms, and words that end a name.
_TYPES = {
    ("xã",): "xa",
    ("phường",): "phuong",
    ("đặc", "khu"): "dac khu",
    ("thị", "trấn"): "thi tran",
    ("thị", "xã"): "thi xa",
    ("tỉnh",): "tinh",
    ("thành", "phố"): "thanh pho",
    ("quận",): "quan",
    ("huyện",): "huyen",
    ("trung", "ương"): "trung uong",
}
_ABBREVIATIONS = {"p", "x", "q", "tp", "tt", "tx", "dk"}
_GLUED = re.compile(r"^(?:[pqf]\d{1,2}|tp\.\w+)$")  # "p4", "q8", "tp.hcm": type and name in one token
_NOT_A_NAME = {
    "xa": {"hoi", "thai", "xa", "lam"},
    "tinh": {"trang", "hinh", "tien", "toan", "cam", "than"},
    "quan": {"tam", "ly", "he", "diem", "trong"},
}
# Words that end a name: with marks, and (fewer, as folded words collide with names) without.
_STOP_MARKED = frozenset(
    [
        "bị",
        "có",
        "đang",
        "rất",
        "không",
        "đã",
        "và",
        "nhưng",
        "thì",
        "mấy",
        "gây",
        "làm",
        "xin",
        "để",
        "này",
        "nay",
        "thuộc",
        "ở",
        "tại",
        "giờ",
        "bây",
        "sau",
        "là",
        "hiện",
        "vẫn",
        "mà",
        "còn",
        "được",
        "chưa",
        "nhập",
        "sáp",
        "hả",
        "với",
        "của",
        "cho",
        "tôi",
        "tui",
        "em",
        "mình",
        "cũ",
        "chia",
        "gửi",
        "muốn",
        "nên",
        "về",
        "lên",
        "ra",
        "vào",
    ]
)
_STOP_FOLDED = frozenset(
    [
        "bi",
        "khong",
        "ko",
        "duoc",
        "dc",
        "nhung",
        "rat",
        "gay",
        "gui",
        "len",
        "nay",
        "nhap",
        "em",
        "tui",
        "dang",
        "roi",
        "gio",
        "thuoc",
        "muon",
    ]
)
_TAIL = frozenset(
    ["thuoc", "o", "la", "gio", "nay", "sau", "bay", "vao", "voi", "vo", "nhap", "sap", "chon", "con", "ve"]
)  # before "… nào?"
_QUESTION = frozenset({"nao", "gi", "dau"})
_TOKEN = re.compile(r"[^\W_]+(?:[.'’][^\W_]+)*|[.,;:!?()\[\]\n]")
_MAX_NAME = 10
_CENTRAL = _rx(r"uy ban", r"mttq", r"ubmttq", r"mat tran")


@dataclass
class Understanding:
    """What the message asks for, and the slots found in it."""

    intent: Intent
    slots: dict[str, Any] = field(default_factory=dict)


def tracking_code(text: str) -> str | None:
    """A receipt (or bare number) in the text, normalised (``pakn 2026 123 7kq4xz`` → ``PAKN-2026-000123-7KQ4XZ``)."""
    found = receipts.parse(text)
    return str(found) if found else None


def fold_keep_punctuation(text: str) -> str:
    """Lower case without diacritics, keeping the punctuation that separates parts of an address."""
    return strip_marks(text).lower()


def _type_at(tokens: list[str], i: int, marked: bool) -> int:
    """How many tokens from ``tokens[i]`` say the type of a unit (0 when none does)."""
    lower = [t.lower() for t in tokens[i : i + 2]]
    for words in sorted(_TYPES, key=len, reverse=True):
        got = lower[: len(words)]
        if len(got) == len(words) and (
            got == list(words) if marked else [strip_marks(w) for w in got] == [strip_marks(w) for w in words]
        ):
            return len(words)
    if _GLUED.match(strip_marks(lower[0])):
        return 1
    if lower[0] in _ABBREVIATIONS and i + 1 < len(tokens) and tokens[i + 1] not in ",;:!?()[]\n":
        return 2 if tokens[i + 1] == "." else 1
    return 0


def _name_after(tokens: list[str], start: int, marked: bool, capitals: bool) -> list[str]:
    """The tokens of a name, and of the larger units after it, from ``start`` (possibly none)."""
    stops = _STOP_MARKED if marked else _STOP_FOLDED
    name: list[str] = []
    i = start
    while i < len(tokens) and len(name) < _MAX_NAME:
        token = tokens[i]
        if token == ",":
            name.append(token)
            i += 1
            continue
        if token in ".;:!?()[]\n" or (token.lower() if marked else strip_marks(token.lower())) in stops:
            break
        typed = _type_at(tokens, i, marked)
        if capitals and not typed and not (token[0].isupper() or token[0].isdigit()):
            break
        name.extend(tokens[i : i + max(typed, 1)])
        i += max(typed, 1)
    while name and (name[-1] == "," or (not marked and fold(name[-1]) in _TAIL)):
        name.pop()
    return name


def _without_question(name: list[str], marked: bool) -> list[str]:
    """The name without a question that follows it ("bat trang thuoc tinh nao" → "bat trang")."""
    folded = [fold(t) for t in name]
    asked = next((k for k, w in enumerate(folded) if w in _QUESTION), None)
    if asked is None:
        return name
    end = asked
    while end > 0 and (
        folded[end - 1] in _TAIL
        or folded[end - 1] == ""
        or _type_at(name, end - 1, marked)
        or (end > 1 and _type_at(name, end - 2, marked) == 2)
    ):
        end -= 1
    return name[:end]


def unit_mentions(text: str) -> list[str]:
    """Spans that name an administrative unit, folded ("xa tan lap, tinh tay ninh"); the resolver reads them.

    A span starts at a type word (``xã``, ``phường``, ``tỉnh``, ``TP``, ``P.``, …) and runs over the name and the
    larger units after it until punctuation, a word that cannot be part of a name, or, when the writer capitalises
    names (a capitalised word inside a sentence, or after a type word), the first word written in lower case.
    """
    tokens = _TOKEN.findall(nfc(text))
    marked = strip_marks(text) != text
    starts = [(i, n) for i in range(len(tokens)) if (n := _type_at(tokens, i, marked))]
    capitals = any(i + n < len(tokens) and tokens[i + n][:1].isupper() for i, n in starts) or any(
        t[:1].isupper() and not t.isupper() and tokens[k - 1] not in ".!?:\n" for k, t in enumerate(tokens) if k
    )
    mentions: list[str] = []
    covered = -1
    for i, n in starts:
        if i <= covered:
            continue
        kind = fold(" ".join(tokens[i : i + n]))
        if kind == "trung uong" and not _CENTRAL.search(fold(" ".join(tokens[max(0, i - 4) : i]))):
            continue  # "bệnh viện Trung ương" is no unit; "Ủy ban Trung ương MTTQ" is
        complete = kind == "trung uong" or bool(_GLUED.match(strip_marks(tokens[i].lower())))
        name = [] if kind == "trung uong" else _name_after(tokens, i + n, marked, capitals)
        name = _without_question(name, marked)
        words = fold(" ".join(name)).split()
        if not complete and (not words or words[0] in _NOT_A_NAME.get(kind, ())):
            continue
        covered = i + n + len(name) - 1
        span = " ".join(tokens[i : i + n] + name).replace(" . ", ". ")
        mentions.append(re.sub(r" ,", ",", fold_keep_punctuation(span)))
    return mentions


def _manipulation(folded: str) -> bool:
    """An attempt to steer the assistant, to reach data in bulk, or to learn who sent a petition."""
    return bool(
        _OVERRIDE.search(folded)
        or _WHO.search(folded)
        or _FILER_DATA.search(folded)
        or (_PERSONAL.search(folded) and _OTHERS.search(folded))
    )


def _has_word(text: str, folded: str, words: str) -> bool:
    """Whether the text has one of ``words`` (compared with marks when the text has marks)."""
    marked = strip_marks(text) != text
    own = set(re.findall(r"\w+", nfc(text).lower())) if marked else set(folded.split())
    return bool(own & set(words.split() if marked else strip_marks(words).split()))


def _complaint(text: str, folded: str, words: int) -> bool:
    """The message says something is wrong: a complaint phrase, or a statement of some length about a place
    nearby with a state or a wish."""
    local = words >= 10 and _has_word(text, folded, _PLACE) and _has_word(text, folded, _STATE)
    return bool(_COMPLAINT.search(folded) or local)


def _topic(text: str, folded: str, words: int) -> bool:
    """The message is about a petition topic, with a defect or at some length."""
    return suggest_category(text) != "khac" and (words >= 6 or bool(_DEFECT.search(folded)))


def _cadre_request(text: str, folded: str) -> Understanding | None:
    """A cadre's question about members or congresses (whether the role may ask is decided later, by code)."""
    intent: Intent | None = None
    slots: dict[str, Any] = {}
    if UPDATE_CUES.search(folded) and not PROGRESS_CUES.search(folded):
        intent, slots = Intent.UPDATE_CONGRESS, {"change": congress_change(text)}
    elif PROGRESS_CUES.search(folded):
        intent = Intent.GET_CONGRESS_PROGRESS
    elif MEMBER_CUES.search(folded):
        intent, slots = Intent.QUERY_MEMBERS, {"filters": member_filters(text)}
    if intent is None:
        return None
    mentions = unit_mentions(text)
    if mentions:
        slots["unit_text"] = mentions[-1]
    return Understanding(intent, slots)


def understand(text: str) -> Understanding:
    """Intent and slots of one message."""
    folded = fold(text)
    words = len(folded.split())
    if _manipulation(folded):
        return Understanding(Intent.OUT_OF_SCOPE, {})  # attempts to steer the assistant or to obtain personal data
    code = tracking_code(text)
    if code:
        return Understanding(Intent.GET_PETITION_STATUS, {"tracking_code": code})
    if _REPORT.search(folded):
        return Understanding(Intent.DRAFT_REPORT, {"request": nfc(text).strip()})
    cadre = _cadre_request(text, folded)
    if cadre:
        return cadre
    if _HOW_TO.search(folded) and words <= 14:
        return Understanding(Intent.HELP, {})
    progress = _PROGRESS.search(folded) or _YET.search(" ".join(fold_keep_punctuation(nfc(text)).split()))
    if _FOLLOW.search(folded) or (progress and _SUBMITTED.search(folded) and words <= 25):
        return Understanding(Intent.GET_PETITION_STATUS, {})
    mentions = unit_mentions(text)
    slots = {"unit_text": mentions[0]} if mentions else {}  # the first: where the writer says the problem is
    petition, complaint, info = bool(_PETITION.search(folded)), _complaint(text, folded, words), _INFO.search(folded)
    where = mentions and words <= 10 and re.search(r"\b(?:nam )?o dau\b", folded)  # "phường X ở đâu?"
    weak = _FIND_WEAK.search(folded) and not (petition or complaint or info) and words <= 15
    if _FIND.search(folded) or where or weak:
        return Understanding(Intent.FIND_UNIT, slots or {"unit_text": text})
    if (
        _LEGAL.search(folded)
        and _ASKING.search(" ".join(fold_keep_punctuation(nfc(text)).split()))
        and not (_PETITION_OPENING.search(folded) or _ADVICE.search(folded) or _HELP.search(folded))
    ):
        return Understanding(Intent.SEARCH_LIBRARY, {"question": nfc(text).strip()})
    if info and not (petition or complaint):
        return Understanding(Intent.OUT_OF_SCOPE, {})  # a request for information the assistant does not give
    if petition or complaint or _topic(text, folded, words):
        if words >= 8:
            slots["content"] = nfc(text).strip()
        return Understanding(Intent.FILE_PETITION, slots)
    if _HELP.search(folded) and words <= 20:
        return Understanding(Intent.HELP, {})
    if mentions and words - len(fold(mentions[0]).split()) <= 3:
        return Understanding(Intent.FIND_UNIT, {"unit_text": text})  # a bare address: which unit is it?
    return Understanding(Intent.OUT_OF_SCOPE, {})
